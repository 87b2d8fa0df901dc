// Package filerequest owns the requests, request_files and request_holds
// tables: file request links, through which anyone may upload to the
// request's owner, the files received through them, and the holds that
// keep their limits exact while uploads are in flight. The use cases
// that tie them to files, quotas and storage are internal/sharing's.
package filerequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/share"
)

// Errors of requests; the web layer maps each to a status.
var (
	ErrNotFound     = errors.New("request not found")                                                   // 404
	ErrGone         = errors.New("this request is closed or has expired")                               // 410
	ErrLocked       = errors.New("request needs its password")                                          // 401
	ErrTooManyFiles = errors.New("this request has received all the files it takes")                    // 409
	ErrFull         = errors.New("the upload is larger than what this request still takes")             // 413
	ErrOwnerQuota   = errors.New("the upload does not fit in the storage left to this request's owner") // 413
)

// DB is a pool or a transaction.
type DB = postgres.DB

// Request is a row of the requests table.
type Request struct {
	ID            string
	OwnerID       string
	Token         string
	Title         string
	Message       string
	ExpiresAt     time.Time
	MaxFiles      int   // 0: no limit
	MaxBytes      int64 // 0: no limit of its own
	FilesReceived int
	BytesReceived int64
	HasPassword   bool
	Notify        bool
	ClosedAt      *time.Time
	CreatedAt     time.Time
}

// Open reports whether the request still takes uploads, by openSQL's rule.
func (r Request) Open() bool { return r.ClosedAt == nil && r.ExpiresAt.After(time.Now()) }

// openSQL is what makes the request aliased q take uploads; Open is the
// same rule in Go.
const openSQL = `(q.closed_at IS NULL AND q.expires_at > now())`

const columns = `q.id, q.owner_id::text, q.token, q.title, q.message, q.expires_at, COALESCE(q.max_files, 0),
	COALESCE(q.max_bytes, 0), q.files_received, q.bytes_received, q.password_hash IS NOT NULL, q.notify, q.closed_at, q.created_at`

func scan(row pgx.Row) (Request, error) {
	var q Request
	err := row.Scan(&q.ID, &q.OwnerID, &q.Token, &q.Title, &q.Message, &q.ExpiresAt, &q.MaxFiles, &q.MaxBytes,
		&q.FilesReceived, &q.BytesReceived, &q.HasPassword, &q.Notify, &q.ClosedAt, &q.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, ErrNotFound
	}
	return q, err
}

func one(ctx context.Context, db DB, what, sql string, args ...any) (Request, error) {
	q, err := scan(db.QueryRow(ctx, sql, args...))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Request{}, fmt.Errorf("%s: %w", what, postgres.Classify(err))
	}
	return q, err
}

// Create inserts a request of ownerID. passwordHash is already hashed,
// or "" for none.
func Create(ctx context.Context, db DB, ownerID string, o Options, passwordHash string) (Request, error) {
	return one(ctx, db, "insert request", `
		INSERT INTO requests AS q (owner_id, token, title, message, password_hash, expires_at, max_files, max_bytes, notify)
		VALUES ($1, $2, $3, $4, NULLIF($5, ''), now() + $6::interval, NULLIF($7, 0), NULLIF($8, 0), $9)
		RETURNING `+columns,
		ownerID, share.NewToken(), o.Title, o.Message, passwordHash, o.ExpiresIn, o.MaxFiles, o.MaxBytes, o.Notify)
}

// List returns ownerID's requests, newest first.
func List(ctx context.Context, db DB, ownerID string) ([]Request, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM requests q WHERE q.owner_id = $1 ORDER BY q.created_at DESC, q.id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// Get returns one of ownerID's requests; anyone else's is ErrNotFound.
func Get(ctx context.Context, db DB, ownerID, id string) (Request, error) {
	if !ids.Valid(id) {
		return Request{}, ErrNotFound
	}
	return one(ctx, db, "get request", `SELECT `+columns+` FROM requests q WHERE q.id = $1 AND q.owner_id = $2`, id, ownerID)
}

// Close ends one of ownerID's requests: it takes no more uploads, at
// once, and uploads in flight fail at their commit. Its files stay.
func Close(ctx context.Context, db DB, ownerID, id string) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	tag, err := db.Exec(ctx, `UPDATE requests SET closed_at = COALESCE(closed_at, now()) WHERE id = $1 AND owner_id = $2`, id, ownerID)
	if err != nil {
		return fmt.Errorf("close request: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// ByToken returns the request a link names, open or not; a request that
// is closed or expired is returned with ErrGone.
func ByToken(ctx context.Context, db DB, token string) (Request, error) {
	q, err := one(ctx, db, "request by token", `SELECT `+columns+` FROM requests q WHERE q.token = $1`, token)
	if err == nil && !q.Open() {
		return q, ErrGone
	}
	return q, err
}

// PasswordHash returns the request's id and password hash ("" for none).
func PasswordHash(ctx context.Context, db DB, token string) (id, hash string, err error) {
	err = db.QueryRow(ctx, `SELECT id, COALESCE(password_hash, '') FROM requests WHERE token = $1`, token).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("request password: %w", err)
	}
	return id, hash, nil
}

// ByID returns a request whoever owns it, for an upload in flight to it;
// a request that is closed or expired is returned with ErrGone.
func ByID(ctx context.Context, db DB, id string) (Request, error) {
	if !ids.Valid(id) {
		return Request{}, ErrNotFound
	}
	q, err := one(ctx, db, "request by id", `SELECT `+columns+` FROM requests q WHERE q.id = $1`, id)
	if err == nil && !q.Open() {
		return q, ErrGone
	}
	return q, err
}
