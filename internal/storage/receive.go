// Package storage streams uploaded bytes into object storage under keys the
// server makes, hashing them on the way. Rows are not its business: a file's
// row is written by internal/files once its object is complete.
package storage

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
	"time"

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

// Store is where uploads go: a bucket, and for S3 the bucket's own client.
type Store struct {
	Bucket *blob.Bucket
	Direct *Direct // nil unless the bucket is on S3
}

// Incoming is one upload's body and what is known of it.
type Incoming struct {
	Key         string // where it goes, from NewKey; "" makes a new one
	Body        io.Reader
	Length      int64  // the length the client announced; -1 when unknown
	Limit       int64  // the most bytes accepted
	Disposition string // stored with the object, so a client sent straight to storage still saves the file by its name
}

// Part sizes of a multipart upload, used when the length is unknown: they
// bound the memory one upload holds (the S3 driver keeps parallel+1 parts
// of partSize, and reads the first parts into one growing slice).
const (
	partSize = 8 << 20
	parallel = 3
)

// Receive streams in.Body into the store under a new server-made key,
// hashing it on the way, and never holds more than a few buffers in
// memory. If the body fails, ends early, differs from its announced length
// or passes the limit, the write is aborted and no object remains.
func (st Store) Receive(ctx context.Context, in Incoming) (Received, error) {
	if in.Length > in.Limit {
		return Received{}, &TooLargeError{Limit: in.Limit}
	}
	body := clientBody{in.Body}
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Received{}, fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	got := Received{Key: in.Key, ContentType: http.DetectContentType(head)}
	if got.Key == "" {
		got.Key = NewKey()
	}
	h := sha256.New()
	opts := &blob.WriterOptions{ContentType: got.ContentType, ContentDisposition: in.Disposition, BufferSize: partSize, MaxConcurrency: parallel}
	src := io.MultiReader(bytes.NewReader(head), body)
	if st.Direct != nil && in.Length >= 0 && in.Length <= maxSinglePut {
		got.Size, err = st.putWhole(ctx, got.Key, opts, src, h, in.Length)
	} else {
		got.Size, err = write(ctx, st.Bucket, got.Key, opts, src, h, in)
	}
	if err != nil {
		return Received{}, err
	}
	got.SHA256 = h.Sum(nil)
	return got, nil
}

// putWhole sends a body of known length in one request.
func (st Store) putWhole(ctx context.Context, key string, opts *blob.WriterOptions, src io.Reader, h hash.Hash, length int64) (int64, error) {
	body := &counter{r: io.TeeReader(io.LimitReader(src, length), h)}
	if err := st.Direct.put(ctx, key, body, length, opts); err != nil {
		st.forget(ctx, key) // in case the store kept it all the same
		switch {
		case body.n < length && errors.Is(body.err, io.EOF):
			err = ErrLength // the body ended cleanly, just too soon
		case errors.Is(body.err, ErrIncompleteBody):
			err = body.err // the client's failure, not the store's
		}
		return 0, fmt.Errorf("store upload: %w", err)
	}
	var extra [1]byte
	if k, _ := io.ReadFull(src, extra[:]); body.n != length || k > 0 {
		// The body was not the length announced: never keep what it made.
		st.forget(ctx, key)
		return 0, fmt.Errorf("store upload: %w", ErrLength)
	}
	return length, nil
}

// forget deletes an object a failed upload may have left, even when the
// upload's context has ended. Should that fail too, the orphan sweep
// removes the object later, since no row names it.
func (st Store) forget(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = st.Bucket.Delete(ctx, key)
}

// Errors of the client's body, told apart from the store's own failures:
// a 400 for the client, never a 503 or a 500.
var (
	// ErrLength means a body was longer or shorter than the length its
	// client announced; nothing of it is kept.
	ErrLength = errors.New("body length differs from the length announced")
	// ErrIncompleteBody means reading the client's body failed: it hung up,
	// or the body ended before its framing said it would.
	ErrIncompleteBody = errors.New("the request body ended before it was complete")
)

// clientBody marks every read error of an upload's body as the client's,
// so that a failure while copying can be blamed on the right side: the
// copy returns read and write errors alike.
type clientBody struct{ r io.Reader }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", ErrIncompleteBody, err)
	}
	return n, err
}

// counter counts what passes through it.
type counter struct {
	r   io.Reader
	n   int64
	err error // the last read's error
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// write copies src into a new object, cancelling the writer's context on
// any failure: gocloud aborts a write whose context ends before Close.
func write(ctx context.Context, bucket *blob.Bucket, key string, opts *blob.WriterOptions, src io.Reader, h hash.Hash, in Incoming) (int64, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := bucket.NewWriter(wctx, key, opts)
	if err != nil {
		return 0, fmt.Errorf("open object: %w", err)
	}
	size, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(src, in.Limit+1))
	switch {
	case err != nil:
	case size > in.Limit:
		err = &TooLargeError{Limit: in.Limit}
	case in.Length >= 0 && size != in.Length:
		err = ErrLength
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
