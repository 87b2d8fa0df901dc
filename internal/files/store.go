package files

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
)

// Errors the web layer maps to a status.
var (
	ErrNotFound  = errors.New("file not found")        // 404
	ErrOverQuota = errors.New("storage quota reached") // 413
)

// DB is a pool or a transaction.
type DB = postgres.DB

// File is a stored file as its owner sees it.
type File struct {
	ID          string
	OwnerID     string // "" for an anonymous upload
	Name        string
	Size        int64
	SHA256      []byte
	ContentType string
	BlobKey     string
	Status      string
	CreatedAt   time.Time
	ThumbKey    string // "" until the worker has made a thumbnail
}

const columns = "id, COALESCE(owner_id::text, ''), name, size, sha256, content_type, blob_key, status, created_at, COALESCE(thumbnail_key, '')"

func scan(row pgx.Row) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.OwnerID, &f.Name, &f.Size, &f.SHA256, &f.ContentType, &f.BlobKey, &f.Status, &f.CreatedAt, &f.ThumbKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, ErrNotFound
	}
	return f, err
}

// Insert records a received object as a file of ownerID ("" anonymous) and
// charges the owner's quota, in the caller's transaction. defaultQuota
// applies to users without their own; 0 means no limit.
func Insert(ctx context.Context, tx DB, ownerID, name string, r Received, defaultQuota int64) (File, error) {
	if ownerID != "" {
		if err := charge(ctx, tx, ownerID, r.Size, defaultQuota); err != nil {
			return File{}, err
		}
	}
	f, err := scan(tx.QueryRow(ctx, `
		INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
		VALUES (NULLIF($1, '')::uuid, $2, $3, $4, $5, $6)
		RETURNING `+columns, ownerID, name, r.Size, r.SHA256, r.ContentType, r.Key))
	if err != nil {
		return File{}, fmt.Errorf("insert file: %w", err)
	}
	return f, nil
}

// charge adds size to the owner's usage only if it stays within quota; the
// conditional UPDATE keeps parallel uploads from overshooting together.
func charge(ctx context.Context, tx DB, ownerID string, size, defaultQuota int64) error {
	tag, err := tx.Exec(ctx, `
		UPDATE users SET usage_bytes = usage_bytes + $2
		WHERE id = $1 AND (COALESCE(quota_bytes, $3) = 0 OR usage_bytes + $2 <= COALESCE(quota_bytes, $3))`,
		ownerID, size, defaultQuota)
	if err != nil {
		return fmt.Errorf("charge quota: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrOverQuota
	}
	return nil
}

// Room returns how many more bytes ownerID may store (-1: no limit), so an
// upload can be refused before its bytes are read.
func Room(ctx context.Context, db DB, ownerID string, defaultQuota int64) (int64, error) {
	var room int64
	err := db.QueryRow(ctx, `
		SELECT CASE WHEN COALESCE(quota_bytes, $2) = 0 THEN -1
		            ELSE GREATEST(COALESCE(quota_bytes, $2) - usage_bytes, 0) END
		FROM users WHERE id = $1`, ownerID, defaultQuota).Scan(&room)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("read quota: %w", err)
	}
	return room, nil
}

// List returns ownerID's files, newest first.
func List(ctx context.Context, db DB, ownerID string) ([]File, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM files WHERE owner_id = $1 ORDER BY created_at DESC, id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (File, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

// Get returns one of ownerID's files; anyone else's is ErrNotFound, so ids
// of other users' files reveal nothing.
func Get(ctx context.Context, db DB, ownerID, id string) (File, error) {
	if !ids.Valid(id) {
		return File{}, ErrNotFound
	}
	return scan(db.QueryRow(ctx, `SELECT `+columns+` FROM files WHERE id = $1 AND owner_id = $2`, id, ownerID))
}

// Delete removes one of ownerID's files and gives the space back, returning
// the keys of its objects (the file and any thumbnail) for the caller to
// delete once the transaction commits.
func Delete(ctx context.Context, tx DB, ownerID, id string) ([]string, error) {
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	var key string
	var thumb *string
	var size int64
	err := tx.QueryRow(ctx, `DELETE FROM files WHERE id = $1 AND owner_id = $2 RETURNING blob_key, thumbnail_key, size`, id, ownerID).Scan(&key, &thumb, &size)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("delete file: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET usage_bytes = GREATEST(usage_bytes - $2, 0) WHERE id = $1`, ownerID, size); err != nil {
		return nil, fmt.Errorf("return quota: %w", err)
	}
	if thumb != nil {
		return []string{key, *thumb}, nil
	}
	return []string{key}, nil
}
