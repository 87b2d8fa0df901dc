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

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/webhook"
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

// Work deletes what has been over for PurgeAfter, in one transaction with
// the job that deletes the objects, so rows and objects never part ways:
// pending sign-ups whose links expired, shares past expiry or spent, then
// the files no share holds any more, giving their owners the space back.
func (w *purgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	cutoff := time.Now().Add(-w.d.Settings.PurgeAfter)
	return pgx.BeginFunc(ctx, w.d.DB, func(tx pgx.Tx) error {
		if _, err := account.PurgeSignups(ctx, tx); err != nil {
			return err
		}
		if err := w.tellExpired(ctx, tx); err != nil {
			return err
		}
		if err := share.PurgeEnded(ctx, tx, cutoff); err != nil {
			return err
		}
		if err := webhook.PurgeDeliveries(ctx, tx, time.Now().Add(-DeliveryLogKept)); err != nil {
			return err
		}
		gone, err := files.DeleteUnshared(ctx, tx, cutoff)
		if err != nil || len(gone) == 0 {
			return err
		}
		var keys []string
		for _, f := range gone {
			keys = append(keys, f.Keys()...)
			if f.OwnerID == "" {
				continue
			}
			if err := account.Refund(ctx, tx, f.OwnerID, f.Size); err != nil {
				return err
			}
		}
		w.d.Log.InfoContext(ctx, "purged files", "files", len(gone), "job_id", job.ID)
		_, err = river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx, DeleteObjectsArgs{Keys: keys}, nil)
		return err
	})
}

// DeliveryLogKept is how long the webhook delivery log keeps an attempt.
const DeliveryLogKept = 30 * 24 * time.Hour

// tellExpired queues share.expired for the shares that passed their
// expiry since the last purge, to their owners' webhooks.
func (w *purgeWorker) tellExpired(ctx context.Context, tx pgx.Tx) error {
	expired, err := share.TakeExpired(ctx, tx, 1000)
	if err != nil || len(expired) == 0 {
		return err
	}
	c := river.ClientFromContext[pgx.Tx](ctx)
	for _, e := range expired {
		eps, err := webhook.Subscribed(ctx, tx, e.OwnerID, webhook.ShareExpired)
		if err != nil {
			return err
		}
		ev := webhook.Event{Type: webhook.ShareExpired, Data: webhook.ExpiredData{ShareID: e.ID, ExpiredAt: e.ExpiresAt}}
		if _, err := QueueWebhooks(ctx, c, tx, eps, ev); err != nil {
			return err
		}
	}
	return nil
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
	if _, err := files.ForgetStalePending(ctx, w.d.DB, w.d.Settings.OrphanGrace); err != nil {
		return err
	}
	deleted := 0
	for _, prefix := range ObjectPrefixes {
		n, err := w.sweep(ctx, prefix, cutoff)
		deleted += n
		if err != nil {
			return err
		}
	}
	if deleted > 0 {
		w.d.Log.InfoContext(ctx, "swept orphaned objects", "objects", deleted, "job_id", job.ID)
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
	orphans, err := files.Unreferenced(ctx, w.d.DB, keys, w.d.Settings.OrphanGrace)
	if err != nil {
		return 0, err
	}
	for i, key := range orphans {
		if err := w.d.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return i, fmt.Errorf("delete orphan %s: %w", key, err)
		}
	}
	return len(orphans), nil
}
