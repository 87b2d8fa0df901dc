package jobs

import (
	"context"
	"errors"
	"fmt"
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

type thumbnailWorker struct {
	river.WorkerDefaults[ThumbnailArgs]
	d *Deps
}

// wantsThumbnail reports whether f is a verified image, small enough to
// read, that has no thumbnail yet.
func wantsThumbnail(f files.File, s Settings) bool {
	return f.VerifiedAt != nil && !f.Damaged() && f.ThumbKey == "" &&
		thumbnail.Supported(f.ContentType) && f.Size <= s.ThumbnailMaxSource
}

// Work makes and stores the file's thumbnail, decoding within the
// process's budget. An image that cannot be thumbnailed, or whose pixels
// would take more than the whole budget, is skipped and the job
// completes; a failure to read or write storage is retried. A file gone,
// or with its thumbnail already, is left as is.
func (w *thumbnailWorker) Work(ctx context.Context, job *river.Job[ThumbnailArgs]) error {
	f, err := files.ByID(ctx, w.d.DB, job.Args.FileID)
	if errors.Is(err, files.ErrNotFound) {
		return nil
	}
	if err != nil || !wantsThumbnail(f, w.d.Settings) {
		return err
	}
	r, err := w.d.Bucket.NewReader(ctx, f.BlobKey, nil)
	if err != nil {
		return fmt.Errorf("open object: %w", err)
	}
	defer r.Close()
	thumb, err := w.d.Thumbnails.Make(ctx, r, ThumbnailSide)
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
func (w *thumbnailWorker) attach(ctx context.Context, id, key string) error {
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
