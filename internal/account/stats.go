package account

import (
	"context"
	"fmt"
)

// Totals are the instance-wide counts `ferry admin stats` prints.
type Totals struct {
	Users int64
	Files int64
	Bytes int64 // sum of file sizes
}

// Stats counts users, files and the bytes the files hold.
func Stats(ctx context.Context, db DBTX) (Totals, error) {
	var t Totals
	err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM users),
		(SELECT count(*) FROM files), (SELECT coalesce(sum(size), 0)::bigint FROM files)`).
		Scan(&t.Users, &t.Files, &t.Bytes)
	if err != nil {
		return Totals{}, fmt.Errorf("stats: %w", err)
	}
	return t, nil
}
