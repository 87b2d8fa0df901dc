package filerequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
)

// Uploader is what an uploader may say about themselves; both optional.
type Uploader struct {
	Name string
	Note string
}

// Received is a file that came through a request, as its owner sees it.
type Received struct {
	files.File
	From       Uploader
	ReceivedAt time.Time
}

// AddFiles records fileIDs as received through requestID from u, in the
// commit's transaction.
func AddFiles(ctx context.Context, tx DB, requestID string, fileIDs []string, u Uploader) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO request_files (request_id, file_id, uploader_name, note)
		SELECT $1, f, $3, $4 FROM unnest($2::uuid[]) AS f`, requestID, fileIDs, u.Name, u.Note)
	if err != nil {
		return fmt.Errorf("record received files: %w", postgres.Classify(err))
	}
	return nil
}

// Files lists the files received through one of ownerID's requests,
// newest first; the files the owner deleted since are gone from it.
func Files(ctx context.Context, db DB, ownerID, requestID string) ([]Received, error) {
	if !ids.Valid(requestID) {
		return nil, ErrNotFound
	}
	rows, err := db.Query(ctx, `
		SELECT `+files.Columns+`, rf.uploader_name, rf.note, rf.created_at
		FROM request_files rf JOIN requests q ON q.id = rf.request_id JOIN files f ON f.id = rf.file_id
		WHERE rf.request_id = $1 AND q.owner_id = $2
		ORDER BY rf.created_at DESC, f.id`, requestID, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list received files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Received, error) {
		var r Received
		var err error
		r.File, err = files.Scan(row, &r.From.Name, &r.From.Note, &r.ReceivedAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list received files: %w", err)
	}
	return out, nil
}

// Notice is what the mail about one received upload says, and to whom.
type Notice struct {
	OwnerID    string
	OwnerEmail string
	Title      string
	RequestID  string
	Uploader
	Files []files.File
}

// NoticeOf reads the mail about fileIDs received through requestID; a
// request that no longer wants mail, or whose files are all gone, is
// ErrNotFound: there is nothing to tell.
func NoticeOf(ctx context.Context, db DB, requestID string, fileIDs []string) (Notice, error) {
	var n Notice
	err := db.QueryRow(ctx, `SELECT q.id, q.owner_id::text, u.email, q.title FROM requests q JOIN users u ON u.id = q.owner_id
		WHERE q.id = $1 AND q.notify`, requestID).Scan(&n.RequestID, &n.OwnerID, &n.OwnerEmail, &n.Title)
	if errors.Is(err, pgx.ErrNoRows) {
		return Notice{}, ErrNotFound
	}
	if err != nil {
		return Notice{}, fmt.Errorf("request notice: %w", err)
	}
	rows, err := db.Query(ctx, `
		SELECT `+files.Columns+`, rf.uploader_name, rf.note FROM request_files rf JOIN files f ON f.id = rf.file_id
		WHERE rf.request_id = $1 AND rf.file_id = ANY($2::uuid[]) ORDER BY f.created_at, f.id`, requestID, fileIDs)
	if err != nil {
		return Notice{}, fmt.Errorf("request notice: %w", err)
	}
	n.Files, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (files.File, error) {
		return files.Scan(row, &n.Name, &n.Note)
	})
	if err != nil {
		return Notice{}, fmt.Errorf("request notice: %w", err)
	}
	if len(n.Files) == 0 {
		return Notice{}, ErrNotFound
	}
	return n, nil
}
