// Package files owns the files table: every statement that writes it, and
// the one row type, File, that the rest of Ferry reads it as. The bytes
// themselves are internal/storage's; the use cases that tie the two
// together are internal/sharing's.
package files

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/storage"
)

// ErrNotFound means no file with that id belongs to the caller. The web
// layer maps it to 404, so ids of other users' files reveal nothing.
var ErrNotFound = errors.New("file not found")

// DB is a pool or a transaction.
type DB = postgres.DB

// File is a row of the files table.
type File struct {
	ID          string
	OwnerID     string // "" for an anonymous upload
	Name        string
	Size        int64
	SHA256      []byte
	ContentType string
	BlobKey     string
	Status      string // "ready", or "damaged" once the worker found the object differs
	CreatedAt   time.Time
	ThumbKey    string     // "" until the worker has made a thumbnail
	VerifiedAt  *time.Time // nil until the worker has checked the object
}

// Damaged reports whether the worker found the stored object differs.
func (f File) Damaged() bool { return f.Status == "damaged" }

// Columns selects a File from the files table aliased as f, in the order
// Scan reads; other tables' queries that return files use it too, so that
// a column is added in one place.
const Columns = "f.id, COALESCE(f.owner_id::text, ''), f.name, f.size, f.sha256, f.content_type, f.blob_key, f.status, f.created_at, COALESCE(f.thumbnail_key, ''), f.verified_at"

// Scan reads Columns, then extra, from row. No row is ErrNotFound.
func Scan(row pgx.Row, extra ...any) (File, error) {
	var f File
	dst := append([]any{&f.ID, &f.OwnerID, &f.Name, &f.Size, &f.SHA256, &f.ContentType, &f.BlobKey, &f.Status, &f.CreatedAt, &f.ThumbKey, &f.VerifiedAt}, extra...)
	err := row.Scan(dst...)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, ErrNotFound
	}
	return f, err
}

// ScanRow is Scan for pgx.CollectRows.
func ScanRow(row pgx.CollectableRow) (File, error) { return Scan(row) }

// Insert records a received object as a file of ownerID ("" anonymous),
// in the caller's transaction. Charging the owner's quota is the caller's
// part (account.Charge), in the same transaction.
func Insert(ctx context.Context, tx DB, ownerID, name string, r storage.Received) (File, error) {
	f, err := Scan(tx.QueryRow(ctx, `
		INSERT INTO files AS f (owner_id, name, size, sha256, content_type, blob_key)
		VALUES (NULLIF($1, '')::uuid, $2, $3, $4, $5, $6)
		RETURNING `+Columns, ownerID, name, r.Size, r.SHA256, r.ContentType, r.Key))
	if err != nil {
		return File{}, fmt.Errorf("insert file: %w", postgres.Classify(err))
	}
	return f, nil
}

// List returns ownerID's files, newest first.
func List(ctx context.Context, db DB, ownerID string) ([]File, error) {
	rows, err := db.Query(ctx, `SELECT `+Columns+` FROM files f WHERE f.owner_id = $1 ORDER BY f.created_at DESC, f.id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	out, err := pgx.CollectRows(rows, ScanRow)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

// Get returns one of ownerID's files; anyone else's is ErrNotFound.
func Get(ctx context.Context, db DB, ownerID, id string) (File, error) {
	if !ids.Valid(id) {
		return File{}, ErrNotFound
	}
	return one(ctx, db, "get file", `SELECT `+Columns+` FROM files f WHERE f.id = $1 AND f.owner_id = $2`, id, ownerID)
}

// UniqueInShare renames those of fileIDs, files just joined to shareID,
// whose name another file of the share has, as filename.Unique does, and
// returns the new names by id. It runs in the transaction that joined
// them, which holds the share's batch lock, so two joins take turns.
func UniqueInShare(ctx context.Context, tx DB, shareID string, fileIDs []string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT f.id::text, f.name, f.id = ANY($2::uuid[]) FROM share_files sf JOIN files f ON f.id = sf.file_id
		WHERE sf.share_id = $1 ORDER BY sf.position`, shareID, fileIDs)
	if err != nil {
		return nil, fmt.Errorf("names in share: %w", postgres.Classify(err))
	}
	type named struct {
		id, name string
		joined   bool
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (named, error) {
		var n named
		return n, r.Scan(&n.id, &n.name, &n.joined)
	})
	if err != nil {
		return nil, fmt.Errorf("names in share: %w", postgres.Classify(err))
	}
	taken := map[string]bool{}
	for _, n := range list {
		if !n.joined {
			taken[n.name] = true
		}
	}
	out := map[string]string{}
	for _, n := range list {
		if !n.joined {
			continue
		}
		if name := filename.Unique(taken, n.name); name != n.name {
			if _, err := tx.Exec(ctx, `UPDATE files SET name = $2 WHERE id = $1`, n.id, name); err != nil {
				return nil, fmt.Errorf("rename file: %w", postgres.Classify(err))
			}
			out[n.id] = name
		}
	}
	return out, nil
}

// ByID returns a file whoever owns it, for the worker.
func ByID(ctx context.Context, db DB, id string) (File, error) {
	if !ids.Valid(id) {
		return File{}, ErrNotFound
	}
	return one(ctx, db, "file by id", `SELECT `+Columns+` FROM files f WHERE f.id = $1`, id)
}

// one runs a statement that returns at most one file, adding what to an
// error other than ErrNotFound.
func one(ctx context.Context, db DB, what, sql string, args ...any) (File, error) {
	f, err := Scan(db.QueryRow(ctx, sql, args...))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return File{}, fmt.Errorf("%s: %w", what, err)
	}
	return f, err
}

// Delete removes one of ownerID's files and returns its row, whose keys
// the caller deletes from storage once the transaction commits and whose
// size it gives back to the owner's quota.
func Delete(ctx context.Context, tx DB, ownerID, id string) (File, error) {
	if !ids.Valid(id) {
		return File{}, ErrNotFound
	}
	return one(ctx, tx, "delete file", `DELETE FROM files f WHERE f.id = $1 AND f.owner_id = $2 RETURNING `+Columns, id, ownerID)
}

// Keys are the objects a file holds in storage: its bytes and its
// thumbnail, if any.
func (f File) Keys() []string {
	if f.ThumbKey != "" {
		return []string{f.BlobKey, f.ThumbKey}
	}
	return []string{f.BlobKey}
}

// DeleteUnshared removes the files created before cutoff that no share
// holds any more and that did not arrive through a file request (those
// stay until their owner deletes them), and returns their rows. It runs in the purge's
// transaction, after the old shares are gone.
func DeleteUnshared(ctx context.Context, tx DB, cutoff time.Time) ([]File, error) {
	rows, err := tx.Query(ctx, `
		DELETE FROM files f
		WHERE f.created_at < $1
		  AND NOT EXISTS (SELECT 1 FROM share_files sf WHERE sf.file_id = f.id)
		  AND NOT EXISTS (SELECT 1 FROM request_files rf WHERE rf.file_id = f.id)
		RETURNING `+Columns, cutoff)
	if err != nil {
		return nil, fmt.Errorf("purge files: %w", err)
	}
	out, err := pgx.CollectRows(rows, ScanRow)
	if err != nil {
		return nil, fmt.Errorf("purge files: %w", err)
	}
	return out, nil
}

// MarkVerified records that the worker found the object as uploaded.
func MarkVerified(ctx context.Context, db DB, id string) error {
	if _, err := db.Exec(ctx, `UPDATE files SET verified_at = now() WHERE id = $1`, id); err != nil {
		return fmt.Errorf("mark file verified: %w", err)
	}
	return nil
}

// MarkDamaged records that the object differs from its row, and reports
// whether the row still existed: a file deleted meanwhile is no finding.
func MarkDamaged(ctx context.Context, db DB, id string) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE files SET status = 'damaged' WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("mark file damaged: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// AttachThumbnail records key as the file's thumbnail unless it has one.
// It reports whether the file still exists, so that the caller deletes a
// thumbnail made for a file deleted meanwhile.
func AttachThumbnail(ctx context.Context, db DB, id, key string) (exists bool, err error) {
	err = db.QueryRow(ctx, `
		WITH attached AS (UPDATE files SET thumbnail_key = $2 WHERE id = $1 AND thumbnail_key IS NULL RETURNING id)
		SELECT EXISTS (SELECT 1 FROM attached) OR EXISTS (SELECT 1 FROM files WHERE id = $1)`, id, key).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("record thumbnail: %w", err)
	}
	return exists, nil
}

// Unreferenced returns the keys that nothing protects: no file row names
// them (as its bytes or its thumbnail), no upload expects them (a pending
// object touched within grace) and no resumable upload in progress writes
// them. The orphan sweep deletes those objects and aborts their multipart
// uploads.
func Unreferenced(ctx context.Context, db DB, keys []string, grace time.Duration) ([]string, error) {
	rows, err := db.Query(ctx, `
		SELECT k FROM unnest($1::text[]) AS k
		WHERE NOT EXISTS (SELECT 1 FROM files WHERE blob_key = k OR thumbnail_key = k)
		  AND NOT EXISTS (SELECT 1 FROM pending_objects p WHERE p.key = k AND p.created_at > now() - $2::interval)
		  AND NOT EXISTS (SELECT 1 FROM uploads u WHERE $3 || u.id = k AND u.finished_at IS NULL AND u.expires_at > now())`,
		keys, grace, storage.KeyPrefix)
	if err != nil {
		return nil, fmt.Errorf("find orphans: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find orphans: %w", err)
	}
	return out, nil
}
