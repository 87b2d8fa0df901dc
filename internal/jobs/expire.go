package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ExpireUploadsArgs ends the resumable uploads past their expiry.
type ExpireUploadsArgs struct{}

// Kind names the job in the queue.
func (ExpireUploadsArgs) Kind() string { return "expire_uploads" }

// UploadReaper is what jobs need of resumable uploads (resumable.Reaper).
// jobs cannot import resumable, which imports sharing, which imports
// jobs; the worker passes one in.
type UploadReaper interface {
	// Reap ends the uploads that expired at or before now and says how
	// many.
	Reap(ctx context.Context, now time.Time) (int, error)
	// InProgress reports whether an object key is an unfinished upload's.
	InProgress(ctx context.Context, key string) (bool, error)
}

type expireWorker struct {
	river.WorkerDefaults[ExpireUploadsArgs]
	d *Deps
}

// Work reaps the uploads that expired more than OrphanGrace ago. The web
// refuses any request on an expired upload, but a PATCH begun just before
// the expiry may still be writing; the grace lets it end first, as it
// lets an upload being committed end before the orphan sweep.
func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireUploadsArgs]) error {
	if w.d.Uploads == nil {
		return nil // no resumable uploads on this store
	}
	n, err := w.d.Uploads.Reap(ctx, time.Now().Add(-w.d.Settings.OrphanGrace))
	if n > 0 {
		w.d.Log.InfoContext(ctx, "ended expired uploads", "uploads", n, "job_id", job.ID)
	}
	return err
}
