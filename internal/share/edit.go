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

// Change is an owner's edit of a live share; a nil field stays as it is.
type Change struct {
	ExpiresIn    *time.Duration // from now
	MaxDownloads *int           // 0: no limit
	PasswordHash *string        // already hashed; "" removes the password
}

// State says whether a share is live or how it ended: "live", "expired"
// (past its expiry) or "spent" (every file's download budget used up).
func (s Share) State() string {
	switch {
	case !s.ExpiresAt.After(time.Now()):
		return "expired"
	case s.MaxDownloads > 0 && s.SpentAt != nil:
		return "spent"
	}
	return "live"
}

// Update applies c to one of ownerID's shares while it is live, in tx,
// and returns the share as it now is. Another owner's share is
// ErrNotFound, an ended one ErrGone.
//
// The share's row is locked first, as every reservation of its download
// budget locks it (reserveSQL), so no download is reserved under the old
// limit once the new one is decided. The spent mark is then worked out
// afresh under the new limit from the bytes each file has served (the
// next statement's snapshot sees every reservation made before the lock):
// a limit at or below what the share has already served ends it at once,
// and one above it leaves the share live.
func Update(ctx context.Context, tx DB, ownerID, id string, c Change) (Share, error) {
	if !ids.Valid(id) {
		return Share{}, ErrNotFound
	}
	var live bool
	err := tx.QueryRow(ctx, `SELECT `+liveSQL+` FROM shares s WHERE s.id = $1 AND s.owner_id = $2 FOR NO KEY UPDATE`, id, ownerID).Scan(&live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Share{}, ErrNotFound
	case err != nil:
		return Share{}, fmt.Errorf("lock share: %w", postgres.Classify(err))
	case !live:
		return Share{}, ErrGone
	}
	var expiresIn *string
	if c.ExpiresIn != nil {
		v := fmt.Sprintf("%d microseconds", c.ExpiresIn.Microseconds())
		expiresIn = &v
	}
	s, err := scanShare(tx.QueryRow(ctx, `
		UPDATE shares s SET
		       expires_at = COALESCE(now() + $2::interval, s.expires_at),
		       max_downloads = CASE WHEN $3::int IS NULL THEN s.max_downloads ELSE NULLIF($3::int, 0) END,
		       password_hash = CASE WHEN $4::text IS NULL THEN s.password_hash ELSE NULLIF($4::text, '') END
		WHERE s.id = $1 RETURNING `+shareColumns, id, expiresIn, c.MaxDownloads, c.PasswordHash))
	if err != nil {
		return Share{}, fmt.Errorf("update share: %w", postgres.Classify(err))
	}
	if c.MaxDownloads == nil {
		return s, nil
	}
	s, err = scanShare(tx.QueryRow(ctx, `
		UPDATE shares s SET spent_at = CASE WHEN s.max_downloads IS NOT NULL AND NOT EXISTS (
		           SELECT 1 FROM share_files o JOIN files fo ON fo.id = o.file_id
		           WHERE o.share_id = s.id
		             AND (fo.size > 0 AND o.bytes_served < s.max_downloads::bigint * fo.size
		                  OR fo.size = 0 AND s.downloads < s.max_downloads))
		         THEN now() END
		WHERE s.id = $1 RETURNING `+shareColumns, id))
	if err != nil {
		return Share{}, fmt.Errorf("mark share spent: %w", postgres.Classify(err))
	}
	return s, nil
}
