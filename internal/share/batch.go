package share

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/postgres"
)

// Join adds fileIDs to the live share that ownerID's uploads of batch
// made, or, for the first of them to commit, creates that share with o
// and passwordHash, as Create does. It must run in the transaction that
// writes the files: a transaction-scoped advisory lock on (owner, batch)
// makes two uploads committing at once take turns, so the second one sees
// the share the first committed and joins it instead of making another.
// A batch whose share was deleted or has ended starts a new one. The bool
// is whether a new share was made.
func Join(ctx context.Context, tx DB, ownerID, batch string, fileIDs []string, o Options, passwordHash string) (Share, bool, error) {
	if ownerID == "" || batch == "" {
		return Share{}, false, errors.New("share.Join needs an owner and a batch")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('share-batch:' || $1 || '/' || $2, 0))`, ownerID, batch); err != nil {
		return Share{}, false, fmt.Errorf("lock upload batch: %w", postgres.Classify(err))
	}
	s, err := scanShare(tx.QueryRow(ctx, `SELECT `+shareColumns+` FROM shares s
		WHERE s.owner_id = $1 AND s.batch = $2 AND `+liveSQL+` ORDER BY s.created_at DESC LIMIT 1`, ownerID, batch))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s, err = Create(ctx, tx, ownerID, fileIDs, o, passwordHash)
		if err != nil {
			return Share{}, false, err
		}
		if _, err := tx.Exec(ctx, `UPDATE shares SET batch = $2 WHERE id = $1`, s.ID, batch); err != nil {
			return Share{}, false, fmt.Errorf("mark share's batch: %w", postgres.Classify(err))
		}
		return s, true, nil
	case err != nil:
		return Share{}, false, fmt.Errorf("find batch share: %w", postgres.Classify(err))
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO share_files (share_id, file_id, position)
		SELECT $1, f.id, (SELECT COALESCE(max(position), 0) FROM share_files WHERE share_id = $1) + f.pos
		FROM unnest($2::uuid[]) WITH ORDINALITY AS f(id, pos)`, s.ID, fileIDs)
	if err != nil {
		return Share{}, false, fmt.Errorf("join files to share: %w", postgres.Classify(err))
	}
	return s, false, nil
}
