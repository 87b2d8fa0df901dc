package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/ids"
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

// storedFile is what processing needs of a file row.
type storedFile struct {
	id, contentType, key string
	size                 int64
	sha256               []byte
	damaged, verified    bool
	hasThumbnail         bool
}

// Work verifies the file's stored bytes, then makes its thumbnail. A file
// deleted meanwhile, already found damaged, or already done is left as is,
// so a retried or repeated job ends in the same state.
func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessFileArgs]) error {
	f, err := w.load(ctx, job.Args.FileID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil || f.damaged {
		return err
	}
	if !f.verified {
		intact, err := w.verify(ctx, f)
		if err != nil || !intact {
			return err
		}
	}
	if thumbnail.Supported(f.contentType) && f.size <= w.d.Settings.ThumbnailMaxSource && !f.hasThumbnail {
		return w.thumbnail(ctx, f)
	}
	return nil
}

func (w *processWorker) load(ctx context.Context, id string) (storedFile, error) {
	f := storedFile{id: id}
	if !ids.Valid(id) {
		return f, pgx.ErrNoRows
	}
	err := w.d.DB.QueryRow(ctx, `
		SELECT size, sha256, content_type, blob_key, status = 'damaged', verified_at IS NOT NULL, thumbnail_key IS NOT NULL
		FROM files WHERE id = $1`, id).
		Scan(&f.size, &f.sha256, &f.contentType, &f.key, &f.damaged, &f.verified, &f.hasThumbnail)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("load file: %w", err)
	}
	return f, err
}

// verify streams the object through SHA-256 and compares it with the row,
// recording the result: a mismatch is a finding, not a failure to retry.
func (w *processWorker) verify(ctx context.Context, f storedFile) (bool, error) {
	size, sum, err := w.hash(ctx, f.key, f.size)
	if err != nil {
		return false, err
	}
	if size == f.size && bytes.Equal(sum, f.sha256) {
		_, err := w.d.DB.Exec(ctx, `UPDATE files SET verified_at = now() WHERE id = $1`, f.id)
		if err != nil {
			return false, fmt.Errorf("mark file verified: %w", err)
		}
		return true, nil
	}
	tag, err := w.d.DB.Exec(ctx, `UPDATE files SET status = 'damaged' WHERE id = $1`, f.id)
	if err != nil {
		return false, fmt.Errorf("mark file damaged: %w", err)
	}
	if tag.RowsAffected() > 0 { // a file deleted meanwhile is no finding
		w.d.Log.Error("file damaged", "file_id", f.id, "reason", damage(size, f.size),
			"expected_size", f.size, "actual_size", size)
	}
	return false, nil
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
func (w *processWorker) thumbnail(ctx context.Context, f storedFile) error {
	r, err := w.d.Bucket.NewReader(ctx, f.key, nil)
	if err != nil {
		return fmt.Errorf("open object: %w", err)
	}
	defer r.Close()
	thumb, err := thumbnail.Make(r, ThumbnailSide)
	if errors.Is(err, thumbnail.ErrTooLarge) || errors.Is(err, thumbnail.ErrUnsupported) {
		w.d.Log.Info("no thumbnail", "file_id", f.id, "reason", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	key := ThumbnailPrefix + f.id
	opts := &blob.WriterOptions{ContentType: http.DetectContentType(thumb)}
	if err := w.d.Bucket.WriteAll(ctx, key, thumb, opts); err != nil {
		return fmt.Errorf("write thumbnail: %w", err)
	}
	return w.attach(ctx, f.id, key)
}

// attach records the thumbnail on the file's row. When the row is gone,
// its deletion could not know of the object, so the object goes too; when
// another run attached it first, the key is the same and stays.
func (w *processWorker) attach(ctx context.Context, id, key string) error {
	tag, err := w.d.DB.Exec(ctx, `UPDATE files SET thumbnail_key = $2 WHERE id = $1 AND thumbnail_key IS NULL`, id, key)
	if err != nil {
		return fmt.Errorf("record thumbnail: %w", err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	if err := w.d.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("find file: %w", err)
	}
	if !exists {
		if err := w.d.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("delete thumbnail of deleted file: %w", err)
		}
	}
	return nil
}
