package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrOverQuota means a file does not fit in its owner's storage quota.
var ErrOverQuota = errors.New("storage quota reached")

// Charge adds size to userID's usage only if it stays within quota, in
// the caller's transaction; the conditional UPDATE keeps parallel uploads
// from overshooting together. defaultQuota applies to users without their
// own; 0 means no limit.
func Charge(ctx context.Context, tx DBTX, userID string, size, defaultQuota int64) error {
	tag, err := tx.Exec(ctx, `
		UPDATE users SET usage_bytes = usage_bytes + $2
		WHERE id = $1 AND (COALESCE(quota_bytes, $3) = 0 OR usage_bytes + $2 <= COALESCE(quota_bytes, $3))`,
		userID, size, defaultQuota)
	if err != nil {
		return fmt.Errorf("charge quota: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrOverQuota
	}
	return nil
}

// Refund gives size bytes back to userID's usage, as when a file is
// deleted.
func Refund(ctx context.Context, tx DBTX, userID string, size int64) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET usage_bytes = GREATEST(usage_bytes - $2, 0) WHERE id = $1`, userID, size); err != nil {
		return fmt.Errorf("return quota: %w", err)
	}
	return nil
}

// Room returns how many more bytes userID may store (-1: no limit), so an
// upload can be refused before its bytes are read.
func Room(ctx context.Context, db DBTX, userID string, defaultQuota int64) (int64, error) {
	var room int64
	err := db.QueryRow(ctx, `
		SELECT CASE WHEN COALESCE(quota_bytes, $2) = 0 THEN -1
		            ELSE GREATEST(COALESCE(quota_bytes, $2) - usage_bytes, 0) END
		FROM users WHERE id = $1`, userID, defaultQuota).Scan(&room)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("read quota: %w", err)
	}
	return room, nil
}
