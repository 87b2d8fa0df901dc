package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/files"
)

type processWorker struct {
	river.WorkerDefaults[ProcessFileArgs]
	d *Deps
}

// Work verifies the file's stored bytes, then queues its thumbnail. A
// file deleted meanwhile, already found damaged, or already done is left
// as is, so a retried or repeated job ends in the same state; the
// thumbnail job is unique per file, so a repeat queues no second one.
func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessFileArgs]) error {
	f, err := files.ByID(ctx, w.d.DB, job.Args.FileID)
	if errors.Is(err, files.ErrNotFound) {
		return nil
	}
	if err != nil || f.Damaged() {
		return err
	}
	if f.VerifiedAt == nil {
		intact, err := w.verify(ctx, f)
		if err != nil || !intact {
			return err
		}
		now := time.Now()
		f.VerifiedAt = &now
	}
	if !wantsThumbnail(f, w.d.Settings) {
		return nil
	}
	return queueThumbnail(ctx, f.ID)
}

// queueThumbnail inserts the file's thumbnail job through the client that
// runs this job. It is not in one transaction with MarkVerified: a failed
// insert fails the job, whose retry finds the file verified and inserts
// again.
func queueThumbnail(ctx context.Context, id string) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("queue thumbnail: %w", err)
	}
	if _, err := client.Insert(ctx, ThumbnailArgs{FileID: id}, nil); err != nil {
		return fmt.Errorf("queue thumbnail: %w", err)
	}
	return nil
}

// verify streams the object through SHA-256 and compares it with the row,
// recording the result: a mismatch is a finding, not a failure to retry.
func (w *processWorker) verify(ctx context.Context, f files.File) (bool, error) {
	size, sum, err := w.hash(ctx, f.BlobKey, f.Size)
	if err != nil {
		return false, err
	}
	if size == f.Size && bytes.Equal(sum, f.SHA256) {
		return true, files.MarkVerified(ctx, w.d.DB, f.ID)
	}
	found, err := files.MarkDamaged(ctx, w.d.DB, f.ID)
	if found { // a file deleted meanwhile is no finding
		w.d.Log.ErrorContext(ctx, "file damaged", "file_id", f.ID, "reason", damage(size, f.Size),
			"expected_size", f.Size, "actual_size", size)
	}
	return false, err
}

// damage names what is wrong with an object of size whose row says want.
func damage(size, want int64) string {
	switch {
	case size < 0:
		return "object missing"
	case size != want:
		return "size differs"
	}
	return "checksum differs"
}

// hash returns the size and SHA-256 of the object at key. A missing object
// has size -1; one whose size is not want is not read, and has no sum.
func (w *processWorker) hash(ctx context.Context, key string, want int64) (int64, []byte, error) {
	r, err := w.d.Bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return -1, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("open object: %w", err)
	}
	defer r.Close()
	if r.Size() != want {
		return r.Size(), nil, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return 0, nil, fmt.Errorf("read object: %w", err)
	}
	return n, h.Sum(nil), nil
}
