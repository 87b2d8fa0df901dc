package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/blobtest"
)

// buckets opens one bucket per driver Ferry is tested on: memory, a local
// folder and an S3-compatible server spoken to over the S3 API.
func buckets(t *testing.T) map[string]*blob.Bucket {
	t.Helper()
	out := map[string]*blob.Bucket{}
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
		out[name] = s.Bucket
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
	for driver, bucket := range buckets(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			got, err := Receive(ctx, bucket, bytes.NewReader(html), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(html)
			if got.Size != int64(len(html)) || !bytes.Equal(got.SHA256, sum[:]) || got.ContentType != "text/html; charset=utf-8" {
				t.Errorf("Receive = %+v", got)
			}
			stored, err := bucket.ReadAll(ctx, got.Key)
			if err != nil || !bytes.Equal(stored, html) {
				t.Errorf("stored %q, %v", stored, err)
			}
			empty, err := Receive(ctx, bucket, bytes.NewReader(nil), 1<<20, "")
			if err != nil || empty.Size != 0 {
				t.Errorf("empty upload: %+v, %v", empty, err)
			}

			_, err = Receive(ctx, bucket, bytes.NewReader(big), 1<<20, "")
			var tooLarge *TooLargeError
			if !errors.As(err, &tooLarge) {
				t.Errorf("oversize upload: %v, want TooLargeError", err)
			}
			if _, err := Receive(ctx, bucket, &failingReader{n: 2 << 20}, 10<<20, ""); err == nil {
				t.Errorf("broken upload succeeded")
			}
			if keys := list(t, bucket); len(keys) != 2 {
				t.Errorf("bucket holds %d objects, want only the 2 complete uploads: %v", len(keys), keys)
			}
		})
	}
}

func list(t *testing.T, bucket *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := bucket.List(&blob.ListOptions{Prefix: KeyPrefix})
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
