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
	SpentAt      *time.Time // when the last file's download budget ran out; nil while any is left
}

// liveSQL is what makes the share aliased s live: not expired, and not
// spent (every file's download budget used up, see Reserve). It is the one
// definition every query uses; Live is the same rule in Go.
const liveSQL = `(s.expires_at > now() AND (s.max_downloads IS NULL OR s.spent_at IS NULL))`

// Live reports whether the share still serves its files, by liveSQL's rule.
func (s Share) Live() bool {
	return s.ExpiresAt.After(time.Now()) && (s.MaxDownloads == 0 || s.SpentAt == nil)
}

const shareColumns = "s.id, s.token, s.expires_at, COALESCE(s.max_downloads, 0), s.downloads, s.password_hash IS NOT NULL, s.notify, s.created_at, s.spent_at"

func scanShare(row pgx.Row, extra ...any) (Share, error) {
	var s Share
	dst := append([]any{&s.ID, &s.Token, &s.ExpiresAt, &s.MaxDownloads, &s.Downloads, &s.HasPassword, &s.Notify, &s.CreatedAt, &s.SpentAt}, extra...)
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
	ShareID  string
	Notify   bool  // the owner asked for a mail on each download
	Reserved int64 // bytes of the share's budget this response holds; given back if unsent
	Counted  bool  // this response serves the file's last byte, so it counts as a download
}

// resumeSlackSQL is how far past its budget a file f may serve ranges
// that do not start at byte 0: the bytes a cut-short download lost in
// socket and proxy buffers, which were sent but never reached the client.
// A download manager resuming one gets them again. A quarter of the file
// at most (16 MiB for big ones), so that no sequence of requests gets a
// whole copy more than the limit.
const resumeSlackSQL = `LEAST(f.size / 4, 16777216)`

// reserveSQL is the rule of download limits, in one statement: a share
// with max_downloads n may serve n times each file's size of that file.
// Each response reserves the bytes it will send ($4 from $5 bytes, -1
// meaning to the end) with a conditional UPDATE, so parallel requests
// race safely and no mix of ranges, whole files, HEADs and resumptions
// gets more than n copies; Refund gives back what a response did not
// send. A range that resumes a download (it starts past byte 0) may also
// use resumeSlackSQL, even on a spent share. An empty file, which has no
// bytes to budget, is limited by the download count instead. A response that serves the last byte counts as
// one download, and the share is marked spent when this file's budget and
// every other's are used up. The share must be live, hold the file and be
// open or unlocked ($3). A share without a limit keeps counts for
// statistics only, so its commit need not wait for the WAL flush.
//
// The statement first locks the share's row (ls), so it reads the share's
// limit as it is now, not as it was when the statement began: an owner's
// Update that lowers max_downloads holds that lock while it decides
// whether the share is spent, and a reservation either comes before the
// change, and counts in that decision, or after it, under the new limit.
// The lock also orders the share's row before its share_files rows in
// every statement that takes both (Refund too), so they cannot deadlock.
const reserveSQL = `
WITH ls AS MATERIALIZED (
	SELECT s.id, s.expires_at, s.max_downloads, s.spent_at, s.password_hash, s.downloads
	FROM shares s WHERE s.token = $1 FOR NO KEY UPDATE
), hit AS (
	UPDATE share_files sf SET bytes_served = sf.bytes_served + r.len
	FROM ls s, files f,
	     LATERAL (SELECT CASE WHEN $5::bigint < 0 THEN f.size - $4::bigint ELSE $5::bigint END AS len) r
	WHERE sf.share_id = s.id AND sf.file_id = $2::uuid AND f.id = sf.file_id
	  AND (` + liveSQL + ` OR ($4::bigint > 0 AND s.expires_at > now())) AND (s.password_hash IS NULL OR $3)
	  AND $4::bigint <= f.size AND r.len >= 0
	  AND (s.max_downloads IS NULL
	       OR (f.size > 0 AND sf.bytes_served + r.len <= s.max_downloads::bigint * f.size
	                          + CASE WHEN $4::bigint > 0 THEN ` + resumeSlackSQL + ` ELSE 0 END)
	       OR (f.size = 0 AND s.downloads < s.max_downloads))
	-- RETURNING sees the row as updated: bytes_served includes r.len.
	RETURNING sf.share_id, r.len, $4::bigint + r.len = f.size AS last,
	          s.max_downloads IS NOT NULL AND (CASE WHEN f.size = 0 THEN s.downloads + 1 >= s.max_downloads
	              ELSE sf.bytes_served >= s.max_downloads::bigint * f.size END) AS exhausted
), counted AS (
	UPDATE shares s SET downloads = s.downloads + hit.last::int,
	       spent_at = CASE WHEN hit.exhausted AND NOT EXISTS (
	           SELECT 1 FROM share_files o JOIN files fo ON fo.id = o.file_id
	           WHERE o.share_id = s.id AND o.file_id <> $2::uuid
	             AND (fo.size > 0 AND o.bytes_served < s.max_downloads::bigint * fo.size
	                  OR fo.size = 0 AND s.downloads + 1 < s.max_downloads))
	         THEN now() ELSE s.spent_at END
	FROM hit WHERE s.id = hit.share_id
	RETURNING s.notify, s.max_downloads
)
SELECT ` + files.Columns + `, hit.share_id, counted.notify, hit.len, hit.last,
       set_config('synchronous_commit', CASE WHEN counted.max_downloads IS NULL THEN 'off' ELSE 'on' END, true)
FROM hit, counted, files f WHERE f.id = $2::uuid`

// peekSQL finds the file without reserving anything, for HEAD, a
// conditional GET that may end in 304, and finding a file's size before
// its range is reserved.
const peekSQL = `
SELECT ` + files.Columns + `, s.id, false, 0::bigint, false, ''
FROM shares s JOIN share_files sf ON sf.share_id = s.id JOIN files f ON f.id = sf.file_id
WHERE s.token = $1 AND f.id = $2::uuid AND ` + liveSQL + `
  AND (s.password_hash IS NULL OR $3)`

// Reserve reserves length bytes of fileID from start (-1: to the end) of
// the share's download budget, and returns the file. unlocked says the
// caller already proved the password. A share whose budget for the file
// is spent, or would be by this response, is ErrGone.
func Reserve(ctx context.Context, db DB, token, fileID string, unlocked bool, start, length int64) (Download, error) {
	return fetch(ctx, db, reserveSQL, token, fileID, unlocked, start, length)
}

// Spend reserves a whole copy of fileID: Reserve from 0 to the end.
func Spend(ctx context.Context, db DB, token, fileID string, unlocked bool) (Download, error) {
	return Reserve(ctx, db, token, fileID, unlocked, 0, -1)
}

// Peek returns the file without reserving or counting anything.
func Peek(ctx context.Context, db DB, token, fileID string, unlocked bool) (Download, error) {
	return fetch(ctx, db, peekSQL, token, fileID, unlocked)
}

func fetch(ctx context.Context, db DB, sql, token, fileID string, unlocked bool, more ...any) (Download, error) {
	if !ids.Valid(fileID) {
		return Download{}, ErrNotFound
	}
	var d Download
	var ignored string
	var err error
	d.File, err = files.Scan(db.QueryRow(ctx, sql, append([]any{token, fileID, unlocked}, more...)...), &d.ShareID, &d.Notify, &d.Reserved, &d.Counted, &ignored)
	if errors.Is(err, files.ErrNotFound) {
		return Download{}, explain(ctx, db, token, fileID, unlocked)
	}
	if err != nil {
		return Download{}, fmt.Errorf("fetch shared file: %w", err)
	}
	return d, nil
}

// Refund gives back unsent bytes of what d reserved, and the download it
// counted when it did not reach the last byte: a response cut short, or
// whose bytes storage could not open, costs only what it sent, so that a
// standard client can resume it without paying twice.
func Refund(ctx context.Context, db DB, d Download, unsent int64) error {
	unsent = min(max(unsent, 0), d.Reserved)
	uncount := d.Counted && (unsent > 0 || d.Reserved == 0 && d.Size == 0)
	if unsent == 0 && !uncount {
		return nil
	}
	// The share's row is locked first, as reserveSQL does. Bytes given
	// back make the share live again only when this file's budget has
	// room under the share's limit as it is now (an owner may have
	// lowered it while the response ran): a cut-short download can be
	// resumed, and a share whose bytes were really served stays spent.
	_, err := db.Exec(ctx, `
		WITH ls AS MATERIALIZED (
			SELECT id FROM shares WHERE id = $1 FOR NO KEY UPDATE
		), back AS (
			UPDATE share_files sf SET bytes_served = GREATEST(sf.bytes_served - $3, 0)
			FROM ls, files f
			WHERE sf.share_id = ls.id AND sf.file_id = $2::uuid AND f.id = sf.file_id
			RETURNING sf.share_id, sf.bytes_served, f.size
		)
		UPDATE shares s SET downloads = GREATEST(s.downloads - $4::int, 0),
		       spent_at = CASE WHEN s.max_downloads IS NULL
		                         OR back.size > 0 AND back.bytes_served < s.max_downloads::bigint * back.size
		                         OR back.size = 0 AND s.downloads - $4::int < s.max_downloads
		                       THEN NULL ELSE s.spent_at END
		FROM back WHERE s.id = back.share_id`, d.ShareID, d.ID, unsent, boolInt(uncount))
	if err != nil {
		return fmt.Errorf("refund download: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// explain finds out why a fetch of fileID ("" for the whole share) found
// nothing. It runs only on the error path, so the extra round trip costs
// the hot path nothing. A file that is not in a live, open share is simply
// not found; one that is, but whose budget has no room left for the
// response, is gone for this request.
func explain(ctx context.Context, db DB, token, fileID string, unlocked bool) error {
	var live, locked, held bool
	err := db.QueryRow(ctx, `
		SELECT `+liveSQL+`, s.password_hash IS NOT NULL,
		       EXISTS (SELECT 1 FROM share_files sf WHERE sf.share_id = s.id AND sf.file_id::text = $2)
		FROM shares s WHERE s.token = $1`, token, fileID).Scan(&live, &locked, &held)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("explain share lookup: %w", err)
	case !live:
		return ErrGone
	case locked && !unlocked:
		return ErrLocked
	case held || fileID == "":
		return ErrGone // live, but no room left in the budget for this response
	default:
		return ErrNotFound // the file is not in the share
	}
}

// SpendAll reserves a whole copy of every file of the share, as a zip,
// and counts one download of the share; if any file's budget lacks room,
// nothing is reserved and the answer is ErrGone. It returns the share's id
// with its files.
func SpendAll(ctx context.Context, db Beginner, token string, unlocked bool) (string, []files.File, error) {
	var shareID string
	var fs []files.File
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Locked first, as reserveSQL does; the next statement's snapshot
		// then sees the share as its last writer left it.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM shares WHERE token = $1 FOR NO KEY UPDATE`, token); err != nil {
			return err
		}
		var err error
		if shareID, fs, err = reserveAll(ctx, tx, token, unlocked); err != nil || len(fs) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE shares s SET downloads = s.downloads + 1,
			       spent_at = CASE WHEN s.max_downloads IS NOT NULL AND NOT EXISTS (
			           SELECT 1 FROM share_files o JOIN files fo ON fo.id = o.file_id
			           WHERE o.share_id = s.id
			             AND (fo.size > 0 AND o.bytes_served < s.max_downloads::bigint * fo.size
			                  OR fo.size = 0 AND s.downloads + 1 < s.max_downloads))
			         THEN now() ELSE s.spent_at END
			WHERE s.id = $1`, shareID)
		return err
	})
	switch {
	case errors.Is(err, errNoRoom):
		return "", nil, ErrGone
	case err != nil:
		return "", nil, fmt.Errorf("spend share: %w", err)
	case len(fs) == 0:
		return "", nil, explain(ctx, db, token, "", unlocked)
	}
	return shareID, fs, nil
}

// Beginner starts transactions: a pool.
type Beginner interface {
	DB
	Begin(ctx context.Context) (pgx.Tx, error)
}

// reserveAll reserves each file's whole size, under the same conditions
// as reserveSQL; fewer rows than the share has files means one lacked
// room, and the caller's transaction is rolled back with nothing kept.
func reserveAll(ctx context.Context, tx pgx.Tx, token string, unlocked bool) (string, []files.File, error) {
	rows, err := tx.Query(ctx, `
		WITH hit AS (
			UPDATE share_files sf SET bytes_served = sf.bytes_served + f.size
			FROM shares s, files f
			WHERE s.token = $1 AND sf.share_id = s.id AND f.id = sf.file_id
			  AND `+liveSQL+` AND (s.password_hash IS NULL OR $2)
			  AND (s.max_downloads IS NULL
			       OR (f.size > 0 AND sf.bytes_served + f.size <= s.max_downloads::bigint * f.size)
			       OR (f.size = 0 AND s.downloads < s.max_downloads))
			RETURNING sf.share_id, sf.file_id, sf.position
		)
		SELECT `+files.Columns+`, hit.share_id,
		       (SELECT count(*) FROM share_files a WHERE a.share_id = hit.share_id)
		FROM hit JOIN files f ON f.id = hit.file_id ORDER BY hit.position`, token, unlocked)
	if err != nil {
		return "", nil, err
	}
	var shareID string
	var total int
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (files.File, error) { return files.Scan(r, &shareID, &total) })
	if err != nil {
		return "", nil, err
	}
	if len(fs) < total {
		return "", nil, errNoRoom
	}
	return shareID, fs, nil
}

// errNoRoom rolls back a zip's reservations when one file lacked room.
var errNoRoom = errors.New("a file of the share has no download left")

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
