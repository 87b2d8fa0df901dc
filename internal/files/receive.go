// Package files stores uploaded files: it streams their bytes into object
// storage and keeps their rows in Postgres.
package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"

	"gocloud.dev/blob"
)

// KeyPrefix is where every object Ferry writes lives, so a sweep can find
// the ones no row points to.
const KeyPrefix = "files/"

// Received describes an object that was written whole.
type Received struct {
	Key         string
	Size        int64
	SHA256      []byte
	ContentType string
}

// TooLargeError reports an upload that went past its limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string { return fmt.Sprintf("upload larger than %d bytes", e.Limit) }

// Receive streams r into bucket under a new server-made key, hashing it on
// the way, and never holds more than a copy buffer in memory. If r fails,
// ends early by the caller's choice or passes limit bytes, the write is
// aborted and no object remains. disposition is stored with the object, so
// a client sent straight to storage still saves the file by its name.
func Receive(ctx context.Context, bucket *blob.Bucket, r io.Reader, limit int64, disposition string) (Received, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Received{}, fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	got := Received{Key: NewKey(), ContentType: http.DetectContentType(head)}
	h := sha256.New()
	opts := &blob.WriterOptions{ContentType: got.ContentType, ContentDisposition: disposition}
	size, err := write(ctx, bucket, got.Key, opts, io.MultiReader(bytes.NewReader(head), r), h, limit)
	if err != nil {
		return Received{}, err
	}
	got.Size, got.SHA256 = size, h.Sum(nil)
	return got, nil
}

// write copies src into a new object, cancelling the writer's context on
// any failure: gocloud aborts a write whose context ends before Close.
func write(ctx context.Context, bucket *blob.Bucket, key string, opts *blob.WriterOptions, src io.Reader, h hash.Hash, limit int64) (int64, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := bucket.NewWriter(wctx, key, opts)
	if err != nil {
		return 0, fmt.Errorf("open object: %w", err)
	}
	size, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(src, limit+1))
	if err == nil && size > limit {
		err = &TooLargeError{Limit: limit}
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return 0, fmt.Errorf("store upload: %w", err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("finish object: %w", err)
	}
	return size, nil
}

// NewKey makes an object key no client chose and no one can guess.
func NewKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return KeyPrefix + hex.EncodeToString(b)
}
