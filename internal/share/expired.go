package share

import (
	"context"
	"fmt"
	"time"
)

// Expired is a share that passed its expiry, for its owner's webhooks.
type Expired struct {
	ID, OwnerID string
	ExpiresAt   time.Time
}

// TakeExpired marks told, and returns, up to limit owned shares that have
// passed their expiry and were not told of yet, so that each is told of
// once. It runs in the caller's transaction, with the jobs that tell.
func TakeExpired(ctx context.Context, tx DB, limit int) ([]Expired, error) {
	rows, err := tx.Query(ctx, `UPDATE shares SET expiry_told = true WHERE id IN (
			SELECT id FROM shares WHERE NOT expiry_told AND owner_id IS NOT NULL AND expires_at <= now()
			ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, owner_id, expires_at`, limit)
	if err != nil {
		return nil, fmt.Errorf("take expired shares: %w", err)
	}
	defer rows.Close()
	var out []Expired
	for rows.Next() {
		var e Expired
		if err := rows.Scan(&e.ID, &e.OwnerID, &e.ExpiresAt); err != nil {
			return nil, fmt.Errorf("take expired shares: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
