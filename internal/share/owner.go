package share

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
)

// Listed is a share with the ids of its files, as its owner sees it.
type Listed struct {
	Share
	FileIDs []string
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

// List returns ownerID's shares, newest first.
func List(ctx context.Context, db DB, ownerID string) ([]Listed, error) {
	rows, err := db.Query(ctx, `
		SELECT `+shareColumns+`, array_agg(sf.file_id::text ORDER BY sf.position)
		FROM shares s JOIN share_files sf ON sf.share_id = s.id
		WHERE s.owner_id = $1 GROUP BY s.id ORDER BY s.created_at DESC, s.id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Listed, error) {
		var l Listed
		var err error
		l.Share, err = scanShare(r, &l.FileIDs)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	return out, nil
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
		ORDER BY sf.file_id,
			(s.expires_at > now() AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)) DESC,
			s.created_at DESC`, fileIDs)
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
func ByToken(ctx context.Context, db DB, token string) (Share, []File, string, error) {
	var hash string
	s, err := scanShare(db.QueryRow(ctx, `SELECT `+shareColumns+`, COALESCE(s.password_hash, '')
		FROM shares s WHERE s.token = $1`, token), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return Share{}, nil, "", ErrNotFound
	}
	if err != nil {
		return Share{}, nil, "", fmt.Errorf("find share: %w", err)
	}
	if !s.live() {
		return Share{}, nil, "", ErrGone
	}
	fs, err := filesOf(ctx, db, s.ID)
	return s, fs, hash, err
}

func (s Share) live() bool {
	return s.ExpiresAt.After(time.Now()) && (s.MaxDownloads == 0 || s.Downloads < s.MaxDownloads)
}

func filesOf(ctx context.Context, db DB, shareID string) ([]File, error) {
	rows, err := db.Query(ctx, `
		SELECT f.id, f.name, f.size, f.content_type, f.blob_key, f.sha256, f.created_at, COALESCE(f.thumbnail_key, '')
		FROM share_files sf JOIN files f ON f.id = sf.file_id
		WHERE sf.share_id = $1 ORDER BY sf.position`, shareID)
	if err != nil {
		return nil, fmt.Errorf("files of share: %w", err)
	}
	fs, err := pgx.CollectRows(rows, scanFile)
	if err != nil {
		return nil, fmt.Errorf("files of share: %w", err)
	}
	return fs, nil
}
