package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ObjectPrefixes are where Ferry writes objects: uploads and thumbnails.
var ObjectPrefixes = []string{"files/", "thumbs/"}

type deleteWorker struct {
	river.WorkerDefaults[DeleteObjectsArgs]
	d *Deps
}

// Work deletes each object; one already gone counts as deleted, so a
// retried job finishes where the first stopped.
func (w *deleteWorker) Work(ctx context.Context, job *river.Job[DeleteObjectsArgs]) error {
	for _, key := range job.Args.Keys {
		if err := w.d.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("delete object %s: %w", key, err)
		}
	}
	return nil
}

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	d *Deps
}

// purgeSQL deletes what has been over for PurgeAfter: shares past expiry
// or spent, then files no share holds, giving their owners the space back
// and returning the objects to delete.
const purgeSQL = `
WITH old_shares AS (
	DELETE FROM shares s WHERE s.expires_at < now() - $1::interval OR s.spent_at < now() - $1::interval
), gone AS (
	-- Both statements see one snapshot, so "a share still needs it" is
	-- asked of the shares old_shares leaves; COALESCE keeps an unspent
	-- share (spent_at NULL) counting as live.
	DELETE FROM files f
	WHERE f.created_at < now() - $1::interval
	  AND NOT EXISTS (SELECT 1 FROM share_files sf JOIN shares s ON s.id = sf.share_id
	                  WHERE sf.file_id = f.id AND s.expires_at >= now() - $1::interval
	                    AND COALESCE(s.spent_at >= now() - $1::interval, true))
	RETURNING f.owner_id, f.size, f.blob_key, f.thumbnail_key
), freed AS (
	UPDATE users u SET usage_bytes = GREATEST(u.usage_bytes - g.total, 0)
	FROM (SELECT owner_id, sum(size) AS total FROM gone WHERE owner_id IS NOT NULL GROUP BY owner_id) g
	WHERE u.id = g.owner_id
)
SELECT blob_key FROM gone UNION ALL SELECT thumbnail_key FROM gone WHERE thumbnail_key IS NOT NULL`

// Work runs the purge in one transaction with the job that deletes the
// objects, so rows and objects never part ways.
func (w *purgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	return pgx.BeginFunc(ctx, w.d.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, purgeSQL, w.d.Settings.PurgeAfter)
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(keys) == 0 {
			return err
		}
		w.d.Log.Info("purged files", "files", len(keys), "job_id", job.ID)
		_, err = river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx, DeleteObjectsArgs{Keys: keys}, nil)
		return err
	})
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	d *Deps
}

// Work lists Ferry's objects and deletes those older than the grace that
// no row points to: what a crash mid-upload or a lost delete left behind.
// The grace keeps an upload that is just being committed safe.
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	cutoff := time.Now().Add(-w.d.Settings.OrphanGrace)
	deleted := 0
	for _, prefix := range ObjectPrefixes {
		n, err := w.sweep(ctx, prefix, cutoff)
		deleted += n
		if err != nil {
			return err
		}
	}
	if deleted > 0 {
		w.d.Log.Info("swept orphaned objects", "objects", deleted, "job_id", job.ID)
	}
	return w.abortStale(ctx, cutoff, job.ID)
}

// sweep checks the objects under prefix in batches.
func (w *sweepWorker) sweep(ctx context.Context, prefix string, cutoff time.Time) (int, error) {
	it := w.d.Bucket.List(&blob.ListOptions{Prefix: prefix})
	deleted := 0
	for {
		batch, err := nextBatch(ctx, it, cutoff, 500)
		if len(batch) > 0 {
			n, derr := w.deleteOrphans(ctx, batch)
			deleted += n
			if derr != nil {
				return deleted, derr
			}
		}
		if errors.Is(err, io.EOF) {
			return deleted, nil
		}
		if err != nil {
			return deleted, fmt.Errorf("list objects: %w", err)
		}
	}
}

// nextBatch collects up to n keys of objects last written before cutoff.
func nextBatch(ctx context.Context, it *blob.ListIterator, cutoff time.Time, n int) ([]string, error) {
	var keys []string
	for len(keys) < n {
		obj, err := it.Next(ctx)
		if err != nil {
			return keys, err
		}
		if !obj.IsDir && obj.ModTime.Before(cutoff) {
			keys = append(keys, obj.Key)
		}
	}
	return keys, nil
}

func (w *sweepWorker) deleteOrphans(ctx context.Context, keys []string) (int, error) {
	rows, err := w.d.DB.Query(ctx, `
		SELECT k FROM unnest($1::text[]) AS k
		WHERE NOT EXISTS (SELECT 1 FROM files WHERE blob_key = k OR thumbnail_key = k)`, keys)
	if err != nil {
		return 0, fmt.Errorf("find orphans: %w", err)
	}
	orphans, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("find orphans: %w", err)
	}
	for i, key := range orphans {
		if err := w.d.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return i, fmt.Errorf("delete orphan %s: %w", key, err)
		}
	}
	return len(orphans), nil
}
