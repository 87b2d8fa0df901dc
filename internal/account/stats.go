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
	// DownloadsToday are the downloads (responses that sent bytes) since
	// midnight UTC.
	DownloadsToday int64
}

// Stats counts users, files, the bytes the files hold and today's
// downloads.
func Stats(ctx context.Context, db DBTX) (Totals, error) {
	var t Totals
	err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM users),
		(SELECT count(*) FROM files), (SELECT coalesce(sum(size), 0)::bigint FROM files),
		(SELECT count(*) FROM share_downloads WHERE at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`).
		Scan(&t.Users, &t.Files, &t.Bytes, &t.DownloadsToday)
	if err != nil {
		return Totals{}, fmt.Errorf("stats: %w", err)
	}
	return t, nil
}
