package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/thumbnail"
)

// ThumbnailSide is the long side of a thumbnail, in pixels.
const ThumbnailSide = 320

// ThumbnailPrefix is where thumbnails are stored, one per file id.
const ThumbnailPrefix = "thumbs/"

type processWorker struct {
	river.WorkerDefaults[ProcessFileArgs]
	d *Deps
}

// Work verifies the file's stored bytes, then makes its thumbnail. A file
// deleted meanwhile, already found damaged, or already done is left as is,
// so a retried or repeated job ends in the same state.
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
	}
	if thumbnail.Supported(f.ContentType) && f.Size <= w.d.Settings.ThumbnailMaxSource && f.ThumbKey == "" {
		return w.thumbnail(ctx, f)
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

// thumbnail makes and stores the file's thumbnail. An image that cannot be
// thumbnailed is skipped; a failure to read or write storage is retried.
func (w *processWorker) thumbnail(ctx context.Context, f files.File) error {
	r, err := w.d.Bucket.NewReader(ctx, f.BlobKey, nil)
	if err != nil {
		return fmt.Errorf("open object: %w", err)
	}
	defer r.Close()
	thumb, err := thumbnail.Make(r, ThumbnailSide)
	if errors.Is(err, thumbnail.ErrTooLarge) || errors.Is(err, thumbnail.ErrUnsupported) {
		w.d.Log.InfoContext(ctx, "no thumbnail", "file_id", f.ID, "reason", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	key := ThumbnailPrefix + f.ID
	opts := &blob.WriterOptions{ContentType: http.DetectContentType(thumb)}
	if err := w.d.Bucket.WriteAll(ctx, key, thumb, opts); err != nil {
		return fmt.Errorf("write thumbnail: %w", err)
	}
	return w.attach(ctx, f.ID, key)
}

// attach records the thumbnail on the file's row. When the row is gone,
// its deletion could not know of the object, so the object goes too; when
// another run attached it first, the key is the same and stays.
func (w *processWorker) attach(ctx context.Context, id, key string) error {
	exists, err := files.AttachThumbnail(ctx, w.d.DB, id, key)
	if err != nil {
		return err
	}
	if !exists {
		if err := w.d.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("delete thumbnail of deleted file: %w", err)
		}
	}
	return nil
}
