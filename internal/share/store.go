package share

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

// Errors a share lookup ends in; the web layer maps each to a status.
var (
	ErrNotFound = errors.New("share not found")          // 404
	ErrGone     = errors.New("share expired or used up") // 410
	ErrLocked   = errors.New("share needs its password") // 401
)

// DB is a pool or a transaction.
type DB = postgres.DB

// Share is a row of the shares table: a link to one or more files.
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

// liveSQL is what makes the share aliased s live: not expired, and under
// its download limit. It is the one definition every query uses; Live is
// the same rule in Go.
const liveSQL = `(s.expires_at > now() AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads))`

// Live reports whether the share still serves its files, by liveSQL's rule.
func (s Share) Live() bool {
	return s.ExpiresAt.After(time.Now()) && (s.MaxDownloads == 0 || s.Downloads < s.MaxDownloads)
}

const shareColumns = "s.id, s.token, s.expires_at, COALESCE(s.max_downloads, 0), s.downloads, s.password_hash IS NOT NULL, s.notify, s.created_at"

func scanShare(row pgx.Row, extra ...any) (Share, error) {
	var s Share
	dst := append([]any{&s.ID, &s.Token, &s.ExpiresAt, &s.MaxDownloads, &s.Downloads, &s.HasPassword, &s.Notify, &s.CreatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return Share{}, err
	}
	return s, nil
}

// Create inserts a share of fileIDs, in order. ownerID "" is an anonymous
// upload. passwordHash is already hashed, or "" for an open share. A file
// deleted meanwhile fails it with postgres.ErrMissingReference.
func Create(ctx context.Context, db DB, ownerID string, fileIDs []string, o Options, passwordHash string) (Share, error) {
	s := Share{Token: NewToken(), MaxDownloads: o.MaxDownloads, HasPassword: passwordHash != "", Notify: o.Notify}
	err := db.QueryRow(ctx, `
		INSERT INTO shares (owner_id, token, password_hash, expires_at, max_downloads, notify)
		VALUES (NULLIF($1, '')::uuid, $2, NULLIF($3, ''), now() + $4::interval, NULLIF($5, 0), $6)
		RETURNING id, expires_at, created_at`,
		ownerID, s.Token, passwordHash, o.ExpiresIn, o.MaxDownloads, o.Notify,
	).Scan(&s.ID, &s.ExpiresAt, &s.CreatedAt)
	if err != nil {
		return Share{}, fmt.Errorf("insert share: %w", postgres.Classify(err))
	}
	_, err = db.Exec(ctx, `
		INSERT INTO share_files (share_id, file_id, position)
		SELECT $1, f.id, f.pos FROM unnest($2::uuid[]) WITH ORDINALITY AS f(id, pos)`, s.ID, fileIDs)
	if err != nil {
		return Share{}, fmt.Errorf("link files to share: %w", postgres.Classify(err))
	}
	return s, nil
}

// Download is a file of a share as a download serves it.
type Download struct {
	files.File
	ShareID string
	Notify  bool // the owner asked for a mail on each download
	Counted bool // this request spent one of the share's downloads
}

// spendSQL counts one download and returns the file in one statement, so
// the hot path is one round trip. The download is counted only while the
// share is live, holds the file and is open or unlocked; the conditional
// UPDATE makes parallel downloads race safely. A share without a limit
// counts for statistics only, so its commit need not wait for the WAL
// flush: set_config(..., true) lasts until this statement's implicit
// transaction commits.
const spendSQL = `
WITH hit AS (
	UPDATE shares s SET downloads = s.downloads + 1,
	       spent_at = CASE WHEN s.downloads + 1 = s.max_downloads THEN now() END
	WHERE s.token = $1 AND ` + liveSQL + `
	  AND (s.password_hash IS NULL OR $3)
	  AND EXISTS (SELECT 1 FROM share_files sf WHERE sf.share_id = s.id AND sf.file_id = $2::uuid)
	RETURNING s.id, s.notify, s.max_downloads
)
SELECT ` + files.Columns + `, hit.id, hit.notify,
       set_config('synchronous_commit', CASE WHEN hit.max_downloads IS NULL THEN 'off' ELSE 'on' END, true)
FROM hit JOIN files f ON f.id = $2::uuid`

// peekSQL is spendSQL without the counting, for HEAD and ranges that
// continue a download already counted. $4 lets a share that has just
// reached its limit finish the download that reached it.
const peekSQL = `
SELECT ` + files.Columns + `, s.id, false, ''
FROM shares s JOIN share_files sf ON sf.share_id = s.id JOIN files f ON f.id = sf.file_id
WHERE s.token = $1 AND f.id = $2::uuid AND (` + liveSQL + ` OR ($4 AND s.expires_at > now()))
  AND (s.password_hash IS NULL OR $3)`

// Spend counts a download of fileID through token and returns the file.
// unlocked says the caller already proved the password.
func Spend(ctx context.Context, db DB, token, fileID string, unlocked bool) (Download, error) {
	d, err := fetch(ctx, db, spendSQL, token, fileID, unlocked)
	d.Counted = err == nil
	return d, err
}

// Peek returns the file without counting. continuing lets a resumed
// download of a share that just reached its limit finish.
func Peek(ctx context.Context, db DB, token, fileID string, unlocked, continuing bool) (Download, error) {
	return fetch(ctx, db, peekSQL, token, fileID, unlocked, continuing)
}

func fetch(ctx context.Context, db DB, sql, token, fileID string, unlocked bool, more ...any) (Download, error) {
	if !ids.Valid(fileID) {
		return Download{}, ErrNotFound
	}
	var d Download
	var ignored string
	var err error
	d.File, err = files.Scan(db.QueryRow(ctx, sql, append([]any{token, fileID, unlocked}, more...)...), &d.ShareID, &d.Notify, &ignored)
	if errors.Is(err, files.ErrNotFound) {
		return Download{}, explain(ctx, db, token, unlocked)
	}
	if err != nil {
		return Download{}, fmt.Errorf("fetch shared file: %w", err)
	}
	return d, nil
}

// Refund gives back a download that was counted but never served, as when
// storage failed to open the file: a download that sends no bytes costs
// nothing.
func Refund(ctx context.Context, db DB, shareID string) error {
	_, err := db.Exec(ctx, `
		UPDATE shares SET downloads = downloads - 1, spent_at = NULL
		WHERE id = $1 AND downloads > 0`, shareID)
	if err != nil {
		return fmt.Errorf("refund download: %w", err)
	}
	return nil
}

// explain finds out why a fetch found nothing. It runs only on the error
// path, so the extra round trip costs the hot path nothing.
// A file that is not in a live, open share is simply not found.
func explain(ctx context.Context, db DB, token string, unlocked bool) error {
	var live, locked bool
	err := db.QueryRow(ctx, `
		SELECT `+liveSQL+`, s.password_hash IS NOT NULL
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
	WHERE s.token = $1 AND ` + liveSQL + `
	  AND (s.password_hash IS NULL OR $2)
	RETURNING s.id
)
SELECT ` + files.Columns + `, hit.id
FROM hit JOIN share_files sf ON sf.share_id = hit.id JOIN files f ON f.id = sf.file_id
ORDER BY sf.position`

// SpendAll counts one download of every file of the share, as a zip, and
// returns the share's id with its files.
func SpendAll(ctx context.Context, db DB, token string, unlocked bool) (string, []files.File, error) {
	rows, err := db.Query(ctx, spendAllSQL, token, unlocked)
	if err != nil {
		return "", nil, fmt.Errorf("spend share: %w", err)
	}
	var shareID string
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (files.File, error) { return files.Scan(r, &shareID) })
	if err != nil {
		return "", nil, fmt.Errorf("spend share: %w", err)
	}
	if len(fs) == 0 {
		return "", nil, explain(ctx, db, token, unlocked)
	}
	return shareID, fs, nil
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

// PurgeEnded deletes the shares that expired or were spent before cutoff;
// their share_files rows go with them.
func PurgeEnded(ctx context.Context, tx DB, cutoff time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM shares WHERE expires_at < $1 OR spent_at < $1`, cutoff); err != nil {
		return fmt.Errorf("purge shares: %w", err)
	}
	return nil
}
