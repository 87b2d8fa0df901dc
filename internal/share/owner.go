package share

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/ids"
)

// Listed is a share with its files and what is left of it, as its owner
// sees it.
type Listed struct {
	Share
	FileIDs   []string
	FileNames []string // in the same order as FileIDs
	Size      int64    // of all its files
	// Remaining is how many more whole copies of every file the share
	// may serve (0 once it has ended), or -1 for a share without a limit.
	Remaining int
}

// ErrUnknownFile means a file id names no file of the caller.
var ErrUnknownFile = errors.New("file not found")

// CheckOwned makes sure every id names a file of ownerID, so nobody can
// share what is not theirs; any other id is ErrNotFound.
func CheckOwned(ctx context.Context, db DB, ownerID string, fileIDs []string) error {
	if len(fileIDs) == 0 {
		return &FieldError{"file_ids", "list at least one of your files"}
	}
	seen := map[string]bool{}
	for _, id := range fileIDs {
		if !ids.Valid(id) || seen[id] {
			return &FieldError{"file_ids", "must be distinct file ids"}
		}
		seen[id] = true
	}
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM files WHERE id = ANY($1::uuid[]) AND owner_id = $2`, fileIDs, ownerID).Scan(&n)
	if err != nil {
		return fmt.Errorf("check file owner: %w", err)
	}
	if n != len(fileIDs) {
		return ErrUnknownFile
	}
	return nil
}

// listedSQL reads Listed rows; the query adds its WHERE condition on s
// before groupSQL. Remaining is the fewest whole copies any file of the
// share still has room for in its budget (reserveSQL's rule), so a zip of
// them all fits that many times.
const listedSQL = `
SELECT ` + shareColumns + `, array_agg(sf.file_id::text ORDER BY sf.position), array_agg(f.name ORDER BY sf.position),
       COALESCE(sum(f.size), 0)::bigint,
       CASE WHEN s.max_downloads IS NULL THEN -1 WHEN NOT ` + liveSQL + ` THEN 0
            ELSE GREATEST(0, min(CASE WHEN f.size > 0 THEN (s.max_downloads::bigint * f.size - sf.bytes_served) / f.size
                                      ELSE s.max_downloads - s.downloads END))::int END
FROM shares s JOIN share_files sf ON sf.share_id = s.id JOIN files f ON f.id = sf.file_id
WHERE s.owner_id = $1 `

const groupSQL = ` GROUP BY s.id ORDER BY s.created_at DESC, s.id`

func scanListed(r pgx.CollectableRow) (Listed, error) {
	var l Listed
	var err error
	l.Share, err = scanShare(r, &l.FileIDs, &l.FileNames, &l.Size, &l.Remaining)
	return l, err
}

// List returns ownerID's shares, newest first.
func List(ctx context.Context, db DB, ownerID string) ([]Listed, error) {
	rows, err := db.Query(ctx, listedSQL+groupSQL, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanListed)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	return out, nil
}

// Get returns one of ownerID's shares, live or ended; anyone else's, and
// a share whose files were all deleted, is ErrNotFound.
func Get(ctx context.Context, db DB, ownerID, id string) (Listed, error) {
	if !ids.Valid(id) {
		return Listed{}, ErrNotFound
	}
	rows, err := db.Query(ctx, listedSQL+` AND s.id = $2`+groupSQL, ownerID, id)
	if err != nil {
		return Listed{}, fmt.Errorf("get share: %w", err)
	}
	l, err := pgx.CollectExactlyOneRow(rows, scanListed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Listed{}, ErrNotFound
	}
	if err != nil {
		return Listed{}, fmt.Errorf("get share: %w", err)
	}
	return l, nil
}

// Delete ends one of ownerID's shares; its links stop at once.
func Delete(ctx context.Context, db DB, ownerID, id string) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	tag, err := db.Exec(ctx, `DELETE FROM shares WHERE id = $1 AND owner_id = $2`, id, ownerID)
	if err != nil {
		return fmt.Errorf("delete share: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Latest returns, for file listings, the newest live share of each file,
// or its newest share when none is live, so a file shows a working link
// whenever it has one.
func Latest(ctx context.Context, db DB, fileIDs []string) (map[string]Share, error) {
	rows, err := db.Query(ctx, `
		SELECT DISTINCT ON (sf.file_id) `+shareColumns+`, sf.file_id::text
		FROM share_files sf JOIN shares s ON s.id = sf.share_id
		WHERE sf.file_id = ANY($1::uuid[])
		ORDER BY sf.file_id, `+liveSQL+` DESC, s.created_at DESC`, fileIDs)
	if err != nil {
		return nil, fmt.Errorf("latest shares: %w", err)
	}
	defer rows.Close()
	out := map[string]Share{}
	for rows.Next() {
		var fileID string
		s, err := scanShare(rows, &fileID)
		if err != nil {
			return nil, fmt.Errorf("latest shares: %w", err)
		}
		out[fileID] = s
	}
	return out, rows.Err()
}

// ByToken returns a live share and its files, for the share page. A
// locked share still answers, with HasPassword set; callers reveal its
// files only once unlocked.
func ByToken(ctx context.Context, db DB, token string) (Share, []files.File, string, error) {
	var hash string
	s, err := scanShare(db.QueryRow(ctx, `SELECT `+shareColumns+`, COALESCE(s.password_hash, '')
		FROM shares s WHERE s.token = $1`, token), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return Share{}, nil, "", ErrNotFound
	}
	if err != nil {
		return Share{}, nil, "", fmt.Errorf("find share: %w", err)
	}
	if !s.Live() {
		return Share{}, nil, "", ErrGone
	}
	fs, err := filesOf(ctx, db, s.ID)
	return s, fs, hash, err
}

func filesOf(ctx context.Context, db DB, shareID string) ([]files.File, error) {
	rows, err := db.Query(ctx, `
		SELECT `+files.Columns+`
		FROM share_files sf JOIN files f ON f.id = sf.file_id
		WHERE sf.share_id = $1 ORDER BY sf.position`, shareID)
	if err != nil {
		return nil, fmt.Errorf("files of share: %w", err)
	}
	fs, err := pgx.CollectRows(rows, files.ScanRow)
	if err != nil {
		return nil, fmt.Errorf("files of share: %w", err)
	}
	return fs, nil
}

// Notice is what the owner's download mail says.
type Notice struct {
	OwnerID      string
	OwnerEmail   string
	FileName     string
	FileSize     int64
	Token        string
	Downloads    int
	MaxDownloads int // 0: no limit
}

// NoticeOf reads what the mail about a download of fileID through shareID
// says. ErrNotFound when there is no one to tell: the share, the file or
// the owner is gone, or the owner stopped asking.
func NoticeOf(ctx context.Context, db DB, shareID, fileID string) (Notice, error) {
	if !ids.Valid(shareID) || !ids.Valid(fileID) {
		return Notice{}, ErrNotFound
	}
	var n Notice
	err := db.QueryRow(ctx, `
		SELECT u.id, u.email, f.name, f.size, s.token, s.downloads, COALESCE(s.max_downloads, 0)
		FROM shares s
		JOIN users u ON u.id = s.owner_id
		JOIN share_files sf ON sf.share_id = s.id
		JOIN files f ON f.id = sf.file_id
		WHERE s.id = $1 AND f.id = $2 AND s.notify`, shareID, fileID,
	).Scan(&n.OwnerID, &n.OwnerEmail, &n.FileName, &n.FileSize, &n.Token, &n.Downloads, &n.MaxDownloads)
	if errors.Is(err, pgx.ErrNoRows) {
		return Notice{}, ErrNotFound
	}
	if err != nil {
		return Notice{}, fmt.Errorf("download notice: %w", err)
	}
	return n, nil
}
