package main

import (
	"net/http"
	"time"
)

// kind is how one request ended.
type kind int

const (
	kindOK          kind = iota // the status the request wanted, and the right bytes
	kind503                     // 503 with Retry-After: acceptable while a backing service is down
	kind503NoRetry              // 503 without Retry-After: the client is not told when to come back
	kind500                     // 500: Ferry's own bug, never acceptable
	kindOther                   // any other status, such as nginx's 502 or 504
	kindConn                    // no answer: refused, reset, cut short or timed out
	kindCorrupt                 // a download whose bytes do not hash to what was stored
	kindInterrupted             // failed while in flight when a process was killed; counted apart
)

// kindNames are the short names the report uses.
var kindNames = [...]string{"ok", "503", "503 without Retry-After", "500", "other status", "conn error", "corrupt", "interrupted"}

func (k kind) String() string { return kindNames[k] }

// op is what a request of the load generator does.
type op int

const (
	opUploadKnown   op = iota // PUT with Content-Length
	opUploadChunked           // PUT with chunked transfer encoding, length unknown
	opDownload                // GET of an earlier upload, SHA-256 checked
	opMe                      // GET /api/v1/me with the API token
	opMeSession               // GET /api/v1/me with a session cookie, as a browser
	opSharePage               // GET /s/{token}, HTML or JSON
	opHealth                  // GET /health
	opUploadForm              // POST /api/v1/files, multipart/form-data with one file part
	opUploadTus               // tus: POST /api/v1/uploads, two PATCHes, GET of its JSON
)

var opNames = [...]string{"upload", "chunked upload", "download", "me", "me (session)", "share page", "health", "form upload", "tus upload"}

func (o op) String() string { return opNames[o] }

// isUpload reports whether the op sends a body.
func (o op) isUpload() bool {
	return o == opUploadKnown || o == opUploadChunked || o == opUploadForm || o == opUploadTus
}

// outcome is one request, as the load generator saw it.
type outcome struct {
	op         op
	start, end time.Time
	status     int  // 0 when no answer came
	retryAfter bool // the answer carried Retry-After
	connErr    bool // the request or the reading of the answer failed
	corrupt    bool // the bytes read do not match
	kind       kind
	fileID     string // the stored file, for an upload that answered 201
	errText    string // what the client said went wrong, for a connection error
	name       string // the file name an upload sent
}

// classify names how a request ended from what came back. want is the
// status a success has (201 for an upload, 200 otherwise).
func classify(want, status int, retryAfter, connErr, corrupt bool) kind {
	switch {
	case connErr:
		return kindConn
	case corrupt:
		return kindCorrupt
	case status == want:
		return kindOK
	case status == http.StatusServiceUnavailable && retryAfter:
		return kind503
	case status == http.StatusServiceUnavailable:
		return kind503NoRetry
	case status == http.StatusInternalServerError:
		return kind500
	default:
		return kindOther
	}
}

// wantStatus is the status a successful op answers.
func wantStatus(o op) int {
	if o.isUpload() {
		return http.StatusCreated
	}
	return http.StatusOK
}

// inFlightDuring reports whether the request was under way at some time
// from from to until: it began by until and ended after from.
func (o outcome) inFlightDuring(from, until time.Time) bool {
	return !o.start.After(until) && o.end.After(from)
}
