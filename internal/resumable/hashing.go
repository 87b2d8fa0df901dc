package resumable

import (
	"context"
	"crypto/sha256"
	"encoding"
	"hash"
	"io"
	"log/slog"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/ferryhq/ferry/internal/postgres"
)

// tusStore is what Ferry needs of a tusd store: the core and termination.
type tusStore interface {
	handler.DataStore
	handler.TerminaterDataStore
}

// hashingStore wraps a tusd store so that every chunk written also moves
// the upload's SHA-256 forward. The digest's state is marshalled
// (crypto/sha256 digests are encoding.BinaryMarshaler, about 100 bytes)
// into the upload's row after each PATCH, so the next PATCH may come to
// any replica, and the hash is ready when the last byte is.
type hashingStore struct {
	tusStore
	db       postgres.DB
	objectID func(uploadID string) string
	log      *slog.Logger
	scratch  string // where a chunk with a checksum waits for its verdict
}

func (s hashingStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	u, err := s.tusStore.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	return &hashingUpload{Upload: u, store: s}, nil
}

func (s hashingStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	u, err := s.tusStore.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return &hashingUpload{Upload: u, store: s}, nil
}

func (s hashingStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	if h, ok := u.(*hashingUpload); ok {
		u = h.Upload
	}
	return s.tusStore.AsTerminatableUpload(u)
}

type hashingUpload struct {
	handler.Upload
	store hashingStore
}

// WriteChunk verifies a chunk that carries Upload-Checksum before any of
// it reaches the store (checkedWrite), then writes it.
func (u *hashingUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	return checkedWrite(ctx, src, u.store.scratch, func(src io.Reader) (int64, error) {
		return u.writeHashed(ctx, offset, src)
	})
}

// writeHashed passes the chunk to the store through the digest. The state
// is kept only when the store kept exactly the bytes the digest saw; any
// doubt (a lost row, an offset the state is not at, a store that read more
// than it kept) drops the state, and the object is hashed whole when it is
// complete instead: slower, never wrong.
func (u *hashingUpload) writeHashed(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	info, err := u.GetInfo(ctx)
	if err != nil {
		return 0, err
	}
	id := u.store.objectID(info.ID)
	h, ok := u.resume(ctx, id, offset)
	if !ok {
		return u.Upload.WriteChunk(ctx, offset, src)
	}
	seen := &counting{r: io.TeeReader(src, h)}
	n, werr := u.Upload.WriteChunk(ctx, offset, seen)
	// The request may be gone; the row must still follow the bytes.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	state, merr := h.(encoding.BinaryMarshaler).MarshalBinary()
	if seen.n == n && merr == nil {
		err = saveHash(sctx, u.store.db, id, offset, offset+n, state)
	} else {
		err = loseHash(sctx, u.store.db, id)
	}
	if err != nil {
		u.store.log.WarnContext(ctx, "upload hash state not saved; the file is hashed whole at the end", "upload", id, "error", err.Error())
		_ = loseHash(sctx, u.store.db, id)
	}
	return n, werr
}

// resume rebuilds the digest of bytes [0, offset), if the row has it.
func (u *hashingUpload) resume(ctx context.Context, id string, offset int64) (hash.Hash, bool) {
	h := sha256.New()
	state, at, err := hashState(ctx, u.store.db, id)
	if err != nil || at != offset {
		if err == nil && at >= 0 {
			_ = loseHash(ctx, u.store.db, id)
		}
		return nil, false
	}
	if at > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			_ = loseHash(ctx, u.store.db, id)
			return nil, false
		}
	}
	return h, true
}

// counting counts what a reader gave.
type counting struct {
	r io.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
