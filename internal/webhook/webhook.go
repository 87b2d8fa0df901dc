// Package webhook holds users' webhook endpoints and their delivery log
// (the webhooks and webhook_deliveries tables), the events Ferry sends,
// their signatures per Standard Webhooks, and the outbound HTTP client
// that refuses private addresses at dial time.
//
// Delivery itself is a River job (internal/jobs); the use cases that
// create and emit are internal/sharing's.
package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The event types an endpoint may subscribe to.
const (
	FileUploaded    = "file.uploaded"    // a file was stored and shared
	ShareDownloaded = "share.downloaded" // a whole file of a share was downloaded
	ShareExpired    = "share.expired"    // a share passed its expiry
	RequestReceived = "request.received" // a file arrived through a file request
)

// Test is the type of the event "send test event" sends; no endpoint
// subscribes to it, it goes only to the endpoint asked.
const Test = "webhook.test"

// Types lists the event types an endpoint may subscribe to.
var Types = []string{FileUploaded, ShareDownloaded, ShareExpired, RequestReceived}

// Errors of what a user asks for; web answers them as 400.
var (
	ErrUnknownEvent = errors.New("events must be some of file.uploaded, share.downloaded, share.expired, request.received")
	ErrInvalidURL   = errors.New("the webhook URL must be an absolute http or https URL with a host, without user info, of at most 2000 characters")
	ErrPrivate      = errors.New("the webhook URL's host is or resolves to a private, loopback or link-local address")
	ErrUnresolvable = errors.New("the webhook URL's host does not resolve")
	ErrNotFound     = errors.New("no such webhook")
	ErrTooMany      = fmt.Errorf("a user may have at most %d webhooks", MaxPerUser)
)

// MaxPerUser bounds the endpoints one user may have, so that one event
// cannot fan out without end.
const MaxPerUser = 20

// ParseEvents checks a list of event types: at least one, each known;
// duplicates are dropped and the order kept.
func ParseEvents(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, ErrUnknownEvent
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		if !slices.Contains(Types, n) {
			return nil, ErrUnknownEvent
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Event is something that happened, for the endpoints subscribed to its
// type. Data is marshalled as the body's "data".
type Event struct {
	Type string
	Data any
}

// Body is the JSON an endpoint receives: {"type","timestamp","data"}.
// It is made once, when the event happens, and every attempt sends the
// same bytes.
func (e Event) Body(at time.Time) ([]byte, error) {
	b, err := json.Marshal(struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      any       `json:"data"`
	}{e.Type, at.UTC().Truncate(time.Millisecond), e.Data})
	if err != nil {
		return nil, fmt.Errorf("webhook body: %w", err)
	}
	return b, nil
}

// FileData is the data of file.uploaded.
type FileData struct {
	FileID   string `json:"file_id"`
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	ShareID  string `json:"share_id,omitempty"`
	ShareURL string `json:"share_url,omitempty"`
}

// DownloadData is the data of share.downloaded: one file, or the zip of
// a share's files (Zip, with no file id or name).
type DownloadData struct {
	ShareID string `json:"share_id"`
	FileID  string `json:"file_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Size    int64  `json:"size"`
	Zip     bool   `json:"zip,omitempty"`
	Files   int    `json:"files,omitempty"` // in a zip
}

// ExpiredData is the data of share.expired.
type ExpiredData struct {
	ShareID   string    `json:"share_id"`
	ExpiredAt time.Time `json:"expired_at"`
}

// RequestData is the data of request.received: a file that arrived
// through one of the user's file requests, with what its uploader said.
type RequestData struct {
	RequestID string `json:"request_id"`
	FileID    string `json:"file_id"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	Uploader  string `json:"uploader,omitempty"` // the name the uploader left, if any
	Note      string `json:"note,omitempty"`
}

// TestData is the data of webhook.test.
type TestData struct {
	WebhookID string `json:"webhook_id"`
	Message   string `json:"message"`
}
