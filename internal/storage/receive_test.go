package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
)

// stores opens one store per driver Ferry is tested on: memory, a local
// folder and an S3-compatible server spoken to over the S3 API.
func stores(t *testing.T) map[string]storage.Store {
	t.Helper()
	out := map[string]storage.Store{}
	for name, url := range map[string]string{
		"mem":  "mem://",
		"file": "file://" + t.TempDir(),
		"s3":   blobtest.S3(t),
	} {
		s, err := backing.Open(context.Background(), backing.URLs{Blob: url})
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[name] = s.Store()
	}
	if out["s3"].Direct == nil {
		t.Fatal("an s3:// store has no direct client")
	}
	return out
}

// failingReader yields n bytes, then fails like a client hanging up.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func TestReceive(t *testing.T) {
	html := []byte("<html><script>alert(1)</script></html>")
	big := bytes.Repeat([]byte("x"), 3<<20)
	const limit = 1 << 20
	// Each body is sent with its length known (one request on S3) and
	// unknown (a multipart upload on S3).
	for driver, st := range stores(t) {
		for _, known := range []bool{true, false} {
			length := func(n int) int64 {
				if known {
					return int64(n)
				}
				return -1
			}
			t.Run(driver, func(t *testing.T) {
				ctx := context.Background()
				before := len(list(t, st.Bucket))
				got, err := st.Receive(ctx, storage.Incoming{Body: bytes.NewReader(html), Length: length(len(html)), Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(html)
				if got.Size != int64(len(html)) || !bytes.Equal(got.SHA256, sum[:]) || got.ContentType != "text/html; charset=utf-8" {
					t.Errorf("Receive = %+v", got)
				}
				stored, err := st.Bucket.ReadAll(ctx, got.Key)
				if err != nil || !bytes.Equal(stored, html) {
					t.Errorf("stored %q, %v", stored, err)
				}
				empty, err := st.Receive(ctx, storage.Incoming{Body: bytes.NewReader(nil), Length: length(0), Limit: limit})
				if err != nil || empty.Size != 0 {
					t.Errorf("empty upload: %+v, %v", empty, err)
				}

				var tooLarge *storage.TooLargeError
				_, err = st.Receive(ctx, storage.Incoming{Body: bytes.NewReader(big), Length: length(len(big)), Limit: limit})
				if !errors.As(err, &tooLarge) {
					t.Errorf("oversize upload: %v, want TooLargeError", err)
				}
				failed := []storage.Incoming{
					{Body: &failingReader{n: 2 << 20}, Length: length(3 << 20), Limit: 10 << 20},
				}
				if known {
					failed = append(failed,
						storage.Incoming{Body: bytes.NewReader(html[:10]), Length: int64(len(html)), Limit: limit},
						storage.Incoming{Body: bytes.NewReader(html), Length: 10, Limit: limit},
					)
				}
				for _, in := range failed {
					if _, err := st.Receive(ctx, in); err == nil {
						t.Errorf("broken upload (length %d) succeeded", in.Length)
					}
				}
				if keys := list(t, st.Bucket); len(keys)-before != 2 {
					t.Errorf("bucket gained %d objects, want only the 2 complete uploads: %v", len(keys)-before, keys)
				}
			})
		}
	}
}

func list(t *testing.T, bucket *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := bucket.List(&blob.ListOptions{Prefix: storage.KeyPrefix})
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
}
