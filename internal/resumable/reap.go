package resumable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/storage"
)

// Reaper ends expired uploads. It needs only the database and the bucket,
// not tusd's handler, the lock or the sharing service, so the worker can
// build one from what it already has.
type Reaper struct {
	db      postgres.DB
	backend backend
	bucket  *blob.Bucket
}

// NewReaper builds a Reaper for the store BLOB_URL names. It fails with
// ErrUnsupportedStore where tus is off (mem://), where nothing can expire.
func NewReaper(db postgres.DB, st storage.Store, blobURL string) (*Reaper, error) {
	// The part size and buffer folder serve writes only; a Reaper writes
	// nothing.
	be, err := newBackend(blobURL, st, "", 8<<20)
	if err != nil {
		return nil, err
	}
	return &Reaper{db: db, backend: be, bucket: st.Bucket}, nil
}

// Reap ends the uploads that expired at or before now: an unfinished one
// loses its parts, its .info, its S3 multipart upload and any object it
// left under its key (one whose commit failed); a finished one only what
// tusd left beside its file (the file is not the upload's to end). Each
// row goes once its store state is gone, so a failure is retried by the
// next run. It returns how many it ended.
func (r *Reaper) Reap(ctx context.Context, now time.Time) (int, error) {
	var n int
	for range 100 { // at most 100 batches a run; the next run takes the rest
		list, err := expiredUploads(ctx, r.db, now, 100)
		if err != nil {
			return n, err
		}
		for _, u := range list {
			if err := r.reap(ctx, u); err != nil {
				return n, err
			}
			n++
		}
		if len(list) < 100 {
			break
		}
	}
	return n, nil
}

func (r *Reaper) reap(ctx context.Context, u upload) error {
	if !u.Finished {
		id, err := r.uploadID(ctx, u.ID)
		if err != nil {
			return err
		}
		if id != "" {
			if err := terminate(ctx, r.backend.store, id); err != nil {
				return fmt.Errorf("end expired upload %s: %w", u.ID, err)
			}
		}
		// No file holds the key of an unfinished upload: the commit that
		// makes it a file marks the row finished in the same transaction.
		if err := deleteQuietly(ctx, r.bucket, storage.KeyPrefix+u.ID); err != nil {
			return fmt.Errorf("delete expired upload %s: %w", u.ID, err)
		}
	}
	r.backend.forget(ctx, u.ID)
	return deleteUpload(ctx, r.db, u.ID)
}

// InProgress reports whether key (files/<object id>) is an unfinished
// upload's, expired or not: the orphan sweep leaves its S3 multipart
// upload to Reap, since a tus client may pause for as long as the upload
// lasts.
func (r *Reaper) InProgress(ctx context.Context, key string) (bool, error) {
	oid, ok := strings.CutPrefix(key, storage.KeyPrefix)
	if !ok {
		return false, nil
	}
	return unfinished(ctx, r.db, oid)
}

// uploadID finds tusd's id of an object id: the same on filestore; on S3
// the .info names it. "" if tusd has nothing of it.
func (r *Reaper) uploadID(ctx context.Context, oid string) (string, error) {
	if r.backend.idOf == nil {
		return oid, nil
	}
	id, err := r.backend.idOf(ctx, oid)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return id, err
}
