package share

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
)

// Event is one response of a share's download history.
type Event struct {
	At       time.Time
	FileID   string // "" for a zip of the whole share, or a file deleted since
	FileName string // "" likewise
	Bytes    int64  // sent
	Whole    bool   // started at byte 0 and sent the last byte
	Client   []byte // ClientHash of the client group it went to
}

// ClientHash is what the history keeps of the client group a response went
// to (an IPv4 address or an IPv6 /64, never stored): 16 bytes of SHA-256
// over the share's id and the group, so one link's rows tell repeat
// clients apart while the same client's rows under two links differ.
func ClientHash(shareID, group string) []byte {
	sum := sha256.Sum256([]byte("ferry download history\x00" + shareID + "\x00" + group))
	return sum[:16]
}

// Record adds e to the history of shareID. It is written after the
// response, so it waits for no WAL flush: a crash may lose the last rows,
// never a download's bytes or budget.
func Record(ctx context.Context, db DB, shareID string, e Event) error {
	_, err := db.Exec(ctx, `
		WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO share_downloads (share_id, file_id, bytes, whole, client)
		SELECT $1, NULLIF($2, '')::uuid, $3, $4, $5 FROM quick`, shareID, e.FileID, e.Bytes, e.Whole, e.Client)
	if err != nil {
		return fmt.Errorf("record download: %w", err)
	}
	return nil
}

// HistoryLimit is the most events History returns.
const HistoryLimit = 1000

// History returns the newest events of one of ownerID's shares, newest
// first, at most HistoryLimit; anyone else's share is ErrNotFound.
func History(ctx context.Context, db DB, ownerID, id string) ([]Event, error) {
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	var owned bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shares WHERE id = $1 AND owner_id = $2)`, id, ownerID).Scan(&owned); err != nil {
		return nil, fmt.Errorf("find share: %w", err)
	}
	if !owned {
		return nil, ErrNotFound
	}
	rows, err := db.Query(ctx, `
		SELECT d.at, COALESCE(d.file_id::text, ''), COALESCE(f.name, ''), d.bytes, d.whole, d.client
		FROM share_downloads d LEFT JOIN files f ON f.id = d.file_id
		WHERE d.share_id = $1 ORDER BY d.at DESC, d.id DESC LIMIT $2`, id, HistoryLimit)
	if err != nil {
		return nil, fmt.Errorf("download history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.At, &e.FileID, &e.FileName, &e.Bytes, &e.Whole, &e.Client)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("download history: %w", err)
	}
	return out, nil
}
