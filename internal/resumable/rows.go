package resumable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/postgres"
)

// upload is Ferry's row of a resumable upload (the uploads table, which
// this package owns): whose it is, the share it asks for, and the SHA-256
// of the bytes received so far.
type upload struct {
	ID           string // the object id; the tus id is this, or this+"+"+an S3 upload id
	OwnerID      string
	Name         string
	Length       int64
	ExpiresIn    time.Duration
	MaxDownloads int
	Notify       bool
	PasswordHash string
	Batch        string // "" or the batch id whose uploads end under one share
	HashState    []byte // a marshalled sha256 digest of bytes [0, HashedTo)
	HashedTo     int64  // -1: the state was lost, hash the object again at the end
	FileID       string // set once the upload is a file
	ShareID      string
	Finished     bool
	ExpiresAt    time.Time
	// RequestID, when set, makes the upload one to a file request, from
	// an uploader without an account (From); OwnerID is the request's
	// owner, and the upload gets no share.
	RequestID string
	From      filerequest.Uploader
}

// expired is whether an unfinished upload may no longer be continued.
func (u upload) expired(now time.Time) bool { return !u.Finished && !now.Before(u.ExpiresAt) }

const uploadColumns = `id, owner_id::text, name, length, expires_in, COALESCE(max_downloads, 0), notify, password_hash,
	sha256_state, sha256_at, COALESCE(file_id::text, ''), COALESCE(share_id::text, ''), finished_at IS NOT NULL, expires_at,
	COALESCE(batch, ''), COALESCE(request_id::text, ''), uploader_name, note`

func scanUpload(row pgx.Row) (upload, error) {
	var u upload
	var secs int64
	err := row.Scan(&u.ID, &u.OwnerID, &u.Name, &u.Length, &secs, &u.MaxDownloads, &u.Notify, &u.PasswordHash,
		&u.HashState, &u.HashedTo, &u.FileID, &u.ShareID, &u.Finished, &u.ExpiresAt, &u.Batch, &u.RequestID, &u.From.Name, &u.From.Note)
	u.ExpiresIn = time.Duration(secs) * time.Second
	return u, err
}

func insertUpload(ctx context.Context, db postgres.DB, u upload) error {
	_, err := db.Exec(ctx, `
		INSERT INTO uploads (id, owner_id, name, length, expires_in, max_downloads, notify, password_hash, expires_at, batch, request_id, uploader_name, note)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7, $8, $9, NULLIF($10, ''), NULLIF($11, '')::uuid, $12, $13)`,
		u.ID, u.OwnerID, u.Name, u.Length, int64(u.ExpiresIn/time.Second), u.MaxDownloads, u.Notify, u.PasswordHash, u.ExpiresAt, u.Batch,
		u.RequestID, u.From.Name, u.From.Note)
	if err != nil {
		return fmt.Errorf("insert upload: %w", postgres.Classify(err))
	}
	return nil
}

// getUpload reads one upload of ownerID; another owner's is not found.
func getUpload(ctx context.Context, db postgres.DB, ownerID, id string) (upload, error) {
	u, err := scanUpload(db.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1 AND owner_id::text = $2`, id, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return upload{}, ErrNotFound
	}
	if err != nil {
		return upload{}, fmt.Errorf("get upload: %w", postgres.Classify(err))
	}
	return u, nil
}

// requestUpload reads one upload to a file request, whoever sends it: its
// id, unguessable, is what the uploader holds. Another upload is not found.
func requestUpload(ctx context.Context, db postgres.DB, id string) (upload, error) {
	u, err := scanUpload(db.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1 AND request_id IS NOT NULL`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return upload{}, ErrNotFound
	}
	if err != nil {
		return upload{}, fmt.Errorf("get upload: %w", postgres.Classify(err))
	}
	return u, nil
}

// firstOfBatch reads the first upload of ownerID's batch, whose share
// options every later upload of the batch takes; false when there is none.
func firstOfBatch(ctx context.Context, db postgres.DB, ownerID, batch string) (upload, bool, error) {
	u, err := scanUpload(db.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads
		WHERE owner_id::text = $1 AND batch = $2 ORDER BY created_at, id LIMIT 1`, ownerID, batch))
	if errors.Is(err, pgx.ErrNoRows) {
		return upload{}, false, nil
	}
	if err != nil {
		return upload{}, false, fmt.Errorf("first upload of batch: %w", postgres.Classify(err))
	}
	return u, true, nil
}

// hashState reads how far the upload's SHA-256 has come.
func hashState(ctx context.Context, db postgres.DB, id string) (state []byte, at int64, err error) {
	err = db.QueryRow(ctx, `SELECT sha256_state, sha256_at FROM uploads WHERE id = $1`, id).Scan(&state, &at)
	if err != nil {
		return nil, 0, fmt.Errorf("read upload hash: %w", postgres.Classify(err))
	}
	return state, at, nil
}

// saveHash moves the hash state from offset from to offset to; it changes
// nothing if another request moved it meanwhile (it cannot, under the
// upload's lock, but a lost lock must not corrupt the hash).
func saveHash(ctx context.Context, db postgres.DB, id string, from, to int64, state []byte) error {
	_, err := db.Exec(ctx, `UPDATE uploads SET sha256_state = $4, sha256_at = $3 WHERE id = $1 AND sha256_at = $2`, id, from, to, state)
	if err != nil {
		return fmt.Errorf("save upload hash: %w", postgres.Classify(err))
	}
	return nil
}

// loseHash marks the hash state unusable: the object is hashed whole at
// the end instead.
func loseHash(ctx context.Context, db postgres.DB, id string) error {
	_, err := db.Exec(ctx, `UPDATE uploads SET sha256_state = NULL, sha256_at = -1 WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("drop upload hash: %w", postgres.Classify(err))
	}
	return nil
}

// markFinished records, in the commit's transaction, the file and share an
// upload became. An upload already finished (a second replica committing
// the same upload) fails the transaction, so no second file is written.
func markFinished(ctx context.Context, tx postgres.DB, id, fileID, shareID string) error {
	tag, err := tx.Exec(ctx, `UPDATE uploads SET file_id = $2, share_id = NULLIF($3, '')::uuid, finished_at = now() WHERE id = $1 AND finished_at IS NULL`, id, fileID, shareID)
	if err != nil {
		return fmt.Errorf("finish upload: %w", postgres.Classify(err))
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// unfinished is whether id is an upload not yet a file.
func unfinished(ctx context.Context, db postgres.DB, id string) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM uploads WHERE id = $1 AND finished_at IS NULL)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("find upload: %w", postgres.Classify(err))
	}
	return ok, nil
}

func deleteUpload(ctx context.Context, db postgres.DB, id string) error {
	if _, err := db.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete upload: %w", postgres.Classify(err))
	}
	return nil
}

// expiredUploads returns up to limit uploads past their expiry, finished
// or not.
func expiredUploads(ctx context.Context, db postgres.DB, now time.Time, limit int) ([]upload, error) {
	rows, err := db.Query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list expired uploads: %w", postgres.Classify(err))
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (upload, error) { return scanUpload(r) })
	if err != nil {
		return nil, fmt.Errorf("list expired uploads: %w", postgres.Classify(err))
	}
	return list, nil
}
