package share

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
)

// Errors a share lookup ends in; the web layer maps each to a status.
var (
	ErrNotFound = errors.New("share not found")          // 404
	ErrGone     = errors.New("share expired or used up") // 410
	ErrLocked   = errors.New("share needs its password") // 401
)

// DB is a pool or a transaction.
type DB = postgres.DB

// Share is a link to one or more files.
type Share struct {
	ID           string
	Token        string
	ExpiresAt    time.Time
	MaxDownloads int // 0: no limit
	Downloads    int
	HasPassword  bool
	Notify       bool
	CreatedAt    time.Time
}

// Create inserts a share of fileIDs, in order. ownerID "" is an anonymous
// upload. passwordHash is already hashed, or "" for an open share.
func Create(ctx context.Context, db DB, ownerID string, fileIDs []string, o Options, passwordHash string) (Share, error) {
	s := Share{Token: NewToken(), MaxDownloads: o.MaxDownloads, HasPassword: passwordHash != "", Notify: o.Notify}
	err := db.QueryRow(ctx, `
		INSERT INTO shares (owner_id, token, password_hash, expires_at, max_downloads, notify)
		VALUES (NULLIF($1, '')::uuid, $2, NULLIF($3, ''), now() + $4::interval, NULLIF($5, 0), $6)
		RETURNING id, expires_at, created_at`,
		ownerID, s.Token, passwordHash, o.ExpiresIn, o.MaxDownloads, o.Notify,
	).Scan(&s.ID, &s.ExpiresAt, &s.CreatedAt)
	if err != nil {
		return Share{}, fmt.Errorf("insert share: %w", err)
	}
	_, err = db.Exec(ctx, `
		INSERT INTO share_files (share_id, file_id, position)
		SELECT $1, f.id, f.pos FROM unnest($2::uuid[]) WITH ORDINALITY AS f(id, pos)`, s.ID, fileIDs)
	if err != nil {
		return Share{}, fmt.Errorf("link files to share: %w", err)
	}
	return s, nil
}

// File is what serving one file of a share needs.
type File struct {
	ShareID     string // set by Spend, with Notify, for the download mail
	Notify      bool
	ID          string
	Name        string
	Size        int64
	ContentType string
	BlobKey     string
	SHA256      []byte
	CreatedAt   time.Time
	ThumbKey    string // "" until the worker has made a thumbnail
}

// spendSQL counts one download and returns the file in one statement, so
// the hot path is one round trip. The download is counted only while the
// share is live, under its limit, holds the file and is open or unlocked;
// the conditional UPDATE makes parallel downloads race safely. A share
// without a limit counts for statistics only, so its commit need not wait
// for the WAL flush: set_config(..., true) lasts until this statement's
// implicit transaction commits.
const spendSQL = `
WITH hit AS (
	UPDATE shares s SET downloads = s.downloads + 1,
	       spent_at = CASE WHEN s.downloads + 1 = s.max_downloads THEN now() END
	WHERE s.token = $1 AND s.expires_at > now()
	  AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)
	  AND (s.password_hash IS NULL OR $3)
	  AND EXISTS (SELECT 1 FROM share_files sf WHERE sf.share_id = s.id AND sf.file_id = $2::uuid)
	RETURNING s.id, s.notify, s.max_downloads
)
SELECT hit.id, hit.notify, f.id, f.name, f.size, f.content_type, f.blob_key, f.sha256, f.created_at, COALESCE(f.thumbnail_key, ''),
       set_config('synchronous_commit', CASE WHEN hit.max_downloads IS NULL THEN 'off' ELSE 'on' END, true)
FROM hit JOIN files f ON f.id = $2::uuid`

// peekSQL is spendSQL without the counting, for HEAD and ranges that
// continue a download already counted.
const peekSQL = `
SELECT s.id, false, f.id, f.name, f.size, f.content_type, f.blob_key, f.sha256, f.created_at, COALESCE(f.thumbnail_key, ''), ''
FROM shares s JOIN share_files sf ON sf.share_id = s.id JOIN files f ON f.id = sf.file_id
WHERE s.token = $1 AND f.id = $2::uuid AND s.expires_at > now()
  AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads OR $4)
  AND (s.password_hash IS NULL OR $3)`

// Spend counts a download of fileID through token and returns the file.
// unlocked says the caller already proved the password.
func Spend(ctx context.Context, db DB, token, fileID string, unlocked bool) (File, error) {
	return fetch(ctx, db, spendSQL, token, fileID, unlocked)
}

// Peek returns the file without counting. continuing lets a resumed
// download of a share that just reached its limit finish.
func Peek(ctx context.Context, db DB, token, fileID string, unlocked, continuing bool) (File, error) {
	return fetch(ctx, db, peekSQL, token, fileID, unlocked, continuing)
}

func fetch(ctx context.Context, db DB, sql string, args ...any) (File, error) {
	if !ids.Valid(args[1].(string)) {
		return File{}, ErrNotFound
	}
	var f File
	var ignored string
	err := db.QueryRow(ctx, sql, args...).Scan(&f.ShareID, &f.Notify, &f.ID, &f.Name, &f.Size, &f.ContentType, &f.BlobKey, &f.SHA256, &f.CreatedAt, &f.ThumbKey, &ignored)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, explain(ctx, db, args[0].(string), args[2].(bool))
	}
	if err != nil {
		return File{}, fmt.Errorf("fetch shared file: %w", err)
	}
	return f, nil
}

// explain finds out why a fetch found nothing. It runs only on the error
// path, so the extra round trip costs the hot path nothing.
// A file that is not in a live, open share is simply not found.
func explain(ctx context.Context, db DB, token string, unlocked bool) error {
	var live, locked bool
	err := db.QueryRow(ctx, `
		SELECT s.expires_at > now() AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads),
		       s.password_hash IS NOT NULL
		FROM shares s WHERE s.token = $1`, token).Scan(&live, &locked)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("explain share lookup: %w", err)
	case !live:
		return ErrGone
	case locked && !unlocked:
		return ErrLocked
	default:
		// The file is not in the share, or a concurrent change raced us.
		return ErrNotFound
	}
}

// spendAllSQL counts one download of the whole share (a zip) and returns
// its files, under the same conditions as spendSQL.
const spendAllSQL = `
WITH hit AS (
	UPDATE shares s SET downloads = s.downloads + 1,
	       spent_at = CASE WHEN s.downloads + 1 = s.max_downloads THEN now() END
	WHERE s.token = $1 AND s.expires_at > now()
	  AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)
	  AND (s.password_hash IS NULL OR $2)
	RETURNING s.id
)
SELECT f.id, f.name, f.size, f.content_type, f.blob_key, f.sha256, f.created_at, COALESCE(f.thumbnail_key, '')
FROM hit JOIN share_files sf ON sf.share_id = hit.id JOIN files f ON f.id = sf.file_id
ORDER BY sf.position`

// SpendAll counts one download of every file of the share, as a zip.
func SpendAll(ctx context.Context, db DB, token string, unlocked bool) ([]File, error) {
	rows, err := db.Query(ctx, spendAllSQL, token, unlocked)
	if err != nil {
		return nil, fmt.Errorf("spend share: %w", err)
	}
	fs, err := pgx.CollectRows(rows, scanFile)
	if err != nil {
		return nil, fmt.Errorf("spend share: %w", err)
	}
	if len(fs) == 0 {
		return nil, explain(ctx, db, token, unlocked)
	}
	return fs, nil
}

// Lock returns the share's id and password hash ("" for an open share), so
// a password can be checked before anything is counted.
func Lock(ctx context.Context, db DB, token string) (id, hash string, err error) {
	err = db.QueryRow(ctx, `SELECT id, COALESCE(password_hash, '') FROM shares WHERE token = $1`, token).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("read share lock: %w", err)
	}
	return id, hash, nil
}

// scanFile reads the columns every shared-file query selects, in order.
func scanFile(r pgx.CollectableRow) (File, error) {
	var f File
	err := r.Scan(&f.ID, &f.Name, &f.Size, &f.ContentType, &f.BlobKey, &f.SHA256, &f.CreatedAt, &f.ThumbKey)
	return f, err
}
