// Package audit holds the audit_events table (00013): an append-only
// record of security, sharing and admin events, for admins, for each user
// about themself, and for a SIEM (ferry admin audit). Rows are inserted
// and, past AUDIT_RETENTION, deleted; never changed.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/postgres"
)

// The event types besides the security events' names (login,
// login_failed, token_created, ...), which are recorded as they are
// logged.
const (
	FileUploaded  = "file_uploaded"
	FileDeleted   = "file_deleted"
	ShareCreated  = "share_created"
	ShareEdited   = "share_edited"
	ShareDeleted  = "share_deleted"
	AdminRole     = "admin_role_changed"
	AdminDisabled = "admin_user_disabled"
	AdminEnabled  = "admin_user_enabled"
	AdminQuota    = "admin_quota_changed"
	AdminInvite   = "admin_invite_created"
)

// Event is one row. Details must hold no password, token or plain email.
type Event struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	ActorID   string         `json:"actor_id,omitempty"` // "": nobody signed in
	Type      string         `json:"type"`
	SubjectID string         `json:"subject_id,omitempty"` // what it was done to: a user, file, share or token id
	Client    string         `json:"client,omitempty"`     // the client group (an IPv4 address or an IPv6 /64)
	RequestID string         `json:"request_id,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
}

// ErrBadCursor is a before= that is not an event id.
var ErrBadCursor = errors.New("before must be the id of an event, as a page's next gives it")

type clientKey struct{}

// WithClient returns ctx carrying the client group of the request it
// belongs to, for the events recorded with it.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

// Record appends e in db, a pool or the transaction of the change it
// records. The request id and the client come from ctx when e has none.
func Record(ctx context.Context, db postgres.DB, e Event) error {
	if e.RequestID == "" {
		e.RequestID = logging.RequestID(ctx)
	}
	if e.Client == "" {
		e.Client, _ = ctx.Value(clientKey{}).(string)
	}
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	if e.Details == nil {
		details = []byte("{}")
	}
	_, err = db.Exec(ctx, `INSERT INTO audit_events (actor_id, type, subject_id, client, request_id, details)
		VALUES (NULLIF($1, '')::uuid, $2, NULLIF($3, ''), $4, $5, $6)`,
		e.ActorID, e.Type, e.SubjectID, e.Client, e.RequestID, details)
	if err != nil {
		return fmt.Errorf("record audit event %s: %w", e.Type, err)
	}
	return nil
}

// Filter picks events for a page, newest first.
type Filter struct {
	Actor  string // "": anyone's
	Type   string // "": any type
	Before string // an event id: only older ones; "": from the newest
	Since  time.Time
	Limit  int
}

// Page is one page of events and the cursor of the next ("": no more).
type Page struct {
	Events []Event
	Next   string
}

const columns = "id, at, COALESCE(actor_id::text, ''), type, COALESCE(subject_id, ''), client, request_id, details"

// List returns the events f picks, newest first, with keyset paging on
// the id.
func List(ctx context.Context, db postgres.DB, f Filter) (Page, error) {
	var before *int64
	if f.Before != "" {
		n, err := strconv.ParseInt(f.Before, 10, 64)
		if err != nil || n <= 0 {
			return Page{}, ErrBadCursor
		}
		before = &n
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM audit_events
		WHERE ($1 = '' OR actor_id::text = $1) AND ($2 = '' OR type = $2)
		AND ($3::bigint IS NULL OR id < $3) AND ($4::timestamptz IS NULL OR at >= $4)
		ORDER BY id DESC LIMIT $5`, f.Actor, f.Type, before, since, f.Limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list audit events: %w", err)
	}
	events, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return Page{}, fmt.Errorf("list audit events: %w", err)
	}
	var p Page
	if len(events) > f.Limit {
		events = events[:f.Limit]
		p.Next = strconv.FormatInt(events[f.Limit-1].ID, 10)
	}
	p.Events = events
	return p, nil
}

func scan(r pgx.CollectableRow) (Event, error) {
	var e Event
	var details []byte
	if err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.Type, &e.SubjectID, &e.Client, &e.RequestID, &details); err != nil {
		return Event{}, err
	}
	if err := json.Unmarshal(details, &e.Details); err != nil {
		return Event{}, fmt.Errorf("audit details of %d: %w", e.ID, err)
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, nil
}

// Purge deletes the events older than before and says how many.
func Purge(ctx context.Context, db postgres.DB, before time.Time) (int64, error) {
	tag, err := db.Exec(ctx, "DELETE FROM audit_events WHERE at < $1", before)
	if err != nil {
		return 0, fmt.Errorf("purge audit events: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Log is the audit log as the web layer calls it, bound to the database.
type Log struct{ DB postgres.DB }

// Record appends e.
func (l *Log) Record(ctx context.Context, e Event) error { return Record(ctx, l.DB, e) }

// List returns a page of events.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) { return List(ctx, l.DB, f) }

// Each calls fn with every event since the time given, of type typ ("":
// any), oldest first, as ferry admin audit prints them for a SIEM.
func Each(ctx context.Context, db postgres.DB, since time.Time, typ string, fn func(Event) error) error {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM audit_events
		WHERE at >= $1 AND ($2 = '' OR type = $2) ORDER BY id`, since, typ)
	if err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	return nil
}
