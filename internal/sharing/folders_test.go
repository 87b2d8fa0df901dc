package sharing_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/storage"
)

// TestSameNameInOneShare: files of one share never share a path: within
// one multipart batch, and across the resumable uploads of one batch id
// that join one share.
func TestSameNameInOneShare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1<<20)
	opts := share.Options{ExpiresIn: time.Hour}

	t.Run("one batch", func(t *testing.T) {
		b, err := s.NewBatch(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := b.Add(ctx, "d/a.txt", bytes.NewReader([]byte("x")), 1); err != nil {
				t.Fatal(err)
			}
		}
		saved, _, err := b.Commit(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range saved {
			got = append(got, f.Name)
		}
		if want := []string{"d/a.txt", "d/a (2).txt", "d/a (3).txt"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("names %q, want %q", got, want)
		}
	})

	t.Run("uploads joining one share", func(t *testing.T) {
		var shareID string
		for i, want := range []string{"d/a.txt", "d/a (2).txt"} {
			body := []byte{byte(i)}
			key := storage.NewKey()
			if err := s.Bucket().WriteAll(ctx, key, body, nil); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			in := sharing.Stored{Name: "d/a.txt", Batch: "folder-batch-0123456789", Object: storage.Received{Key: key, Size: 1, SHA256: sum[:], ContentType: "text/plain"}}
			f, sh, err := s.CommitStored(ctx, u, in, opts)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != want {
				t.Errorf("upload %d is %q, want %q", i+1, f.Name, want)
			}
			if shareID == "" {
				shareID = sh.ID
			} else if sh.ID != shareID {
				t.Errorf("upload %d made share %s, not joined %s", i+1, sh.ID, shareID)
			}
		}
	})
}
