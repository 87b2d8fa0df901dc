package resumable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/storage"
)

// ErrUnsupportedStore is returned for a bucket tus cannot use (mem://: a
// process's memory is not shared by replicas, and tusd has no store for it).
var ErrUnsupportedStore = errors.New("resumable uploads need an s3:// or file:// BLOB_URL")

// metaPrefix is where tusd keeps its .info and .part objects: outside
// storage.KeyPrefix, so the orphan sweep never takes an upload in progress
// for an orphan.
const metaPrefix = "uploads/"

// backend is a tusd store placed so that a finished upload's object is
// already, or becomes, storage.KeyPrefix + its object id.
type backend struct {
	store tusStore
	// finish makes the object whole under its key, before the commit.
	finish func(ctx context.Context, id, objectID string) error
	// forget removes what tusd keeps beside a finished upload's object.
	forget func(ctx context.Context, objectID string)
	// idOf finds tusd's id from the object id; nil when they are the same.
	idOf func(ctx context.Context, objectID string) (string, error)
}

// objectID is the part of a tus id the file's key is made of: s3store's
// ids are objectID+"+"+its multipart upload id.
func objectID(uploadID string) string {
	if i := strings.LastIndex(uploadID, "+"); i >= 0 {
		return uploadID[:i]
	}
	return uploadID
}

// newBackend picks tusd's store for the bucket: s3store on S3, writing the
// multipart upload straight to the file's key, or filestore on file://,
// moved into place at the end.
func newBackend(blobURL string, st storage.Store, tempDir string, partSize int64) (backend, error) {
	u, err := url.Parse(blobURL)
	if err != nil {
		return backend{}, fmt.Errorf("BLOB_URL: %w", err)
	}
	switch {
	case u.Scheme == "s3" && st.Direct != nil:
		return s3Backend(st, tempDir, partSize), nil
	case u.Scheme == "file":
		return fileBackend(u.Path, st.Bucket)
	}
	return backend{}, ErrUnsupportedStore
}

func s3Backend(st storage.Store, tempDir string, partSize int64) backend {
	s := s3store.New(st.Direct.Bucket, noticingS3{st.Direct.Client})
	s.ObjectPrefix = st.Direct.Prefix + storage.KeyPrefix
	s.MetadataObjectPrefix = st.Direct.Prefix + metaPrefix
	// Each PATCH buffers parts in temporary files before sending them:
	// these bound the disk one request uses to MaxBufferedParts parts.
	s.PreferredPartSize, s.MinPartSize, s.MaxBufferedParts = partSize, 5<<20, 2
	s.TemporaryDirectory = tempDir
	return backend{
		store:  s,
		finish: func(context.Context, string, string) error { return nil }, // CompleteMultipartUpload wrote it in place
		forget: func(ctx context.Context, oid string) {
			for _, k := range []string{metaPrefix + oid + ".info", metaPrefix + oid + ".part"} {
				_ = deleteQuietly(ctx, st.Bucket, k)
			}
		},
		idOf: func(ctx context.Context, oid string) (string, error) {
			b, err := st.Bucket.ReadAll(ctx, metaPrefix+oid+".info")
			if gcerrors.Code(err) == gcerrors.NotFound {
				return "", ErrNotFound
			}
			if err != nil {
				return "", fmt.Errorf("read upload info: %w", err)
			}
			var info handler.FileInfo
			if err := json.Unmarshal(b, &info); err != nil {
				return "", fmt.Errorf("read upload info: %w", err)
			}
			return info.ID, nil
		},
	}
}

func fileBackend(root string, bucket *blob.Bucket) (backend, error) {
	dir := filepath.Join(root, strings.TrimSuffix(metaPrefix, "/"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return backend{}, fmt.Errorf("tus upload folder: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(root, strings.TrimSuffix(storage.KeyPrefix, "/")), 0o700); err != nil {
		return backend{}, fmt.Errorf("files folder: %w", err)
	}
	s := filestore.New(dir)
	return backend{
		store: s,
		finish: func(_ context.Context, id, oid string) error {
			// One folder tree, so a rename: instant, and never half done.
			return os.Rename(filepath.Join(dir, id), filepath.Join(root, storage.KeyPrefix+oid))
		},
		forget: func(_ context.Context, oid string) {
			for _, p := range []string{filepath.Join(dir, oid+".info"), filepath.Join(dir, oid)} {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					continue // the cleanup tries again after the expiry
				}
			}
		},
	}, nil
}

// deleteQuietly deletes a key, a missing one counting as deleted.
func deleteQuietly(ctx context.Context, b *blob.Bucket, key string) error {
	if err := b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

// terminate ends a tus upload in the store, one already gone counting as
// ended.
func terminate(ctx context.Context, s tusStore, id string) error {
	up, err := s.GetUpload(ctx, id)
	if errors.Is(err, handler.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.AsTerminatableUpload(up).Terminate(ctx)
}
