package share

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// insertFile adds a file row directly: these tests are about shares.
func insertFile(t *testing.T, db DB, name string) string {
	t.Helper()
	var id string
	err := db.QueryRow(context.Background(), `
		INSERT INTO files (name, size, sha256, content_type, blob_key)
		VALUES ($1, 3, decode(repeat('ab', 32), 'hex'), 'text/plain', 'files/' || gen_random_uuid())
		RETURNING id`, name).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSpendAndExplain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	a, b, other := insertFile(t, db, "a.txt"), insertFile(t, db, "b.txt"), insertFile(t, db, "other.txt")
	open, err := Create(ctx, db, "", []string{a, b}, Options{ExpiresIn: time.Hour, MaxDownloads: 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	locked, _ := Create(ctx, db, "", []string{a}, Options{ExpiresIn: time.Hour}, "$argon2id$fake")
	expired, _ := Create(ctx, db, "", []string{a}, Options{ExpiresIn: time.Hour}, "")
	if _, err := db.Exec(ctx, "UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = $1", expired.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		token    string
		file     string
		unlocked bool
		want     error
	}{
		{"first download of a", open.Token, a, false, nil},
		{"file not in share", open.Token, other, false, ErrNotFound},
		{"malformed id", open.Token, "../../etc", false, ErrNotFound},
		{"unknown token", "nope", a, false, ErrNotFound},
		{"locked", locked.Token, a, false, ErrLocked},
		{"unlocked", locked.Token, a, true, nil},
		{"expired", expired.Token, a, false, ErrGone},
		{"first download of b", open.Token, b, false, nil},
		{"second download of a", open.Token, a, false, nil},
		{"limit of a reached", open.Token, a, false, ErrGone},
		{"second download of b", open.Token, b, false, nil},
		{"every file spent", open.Token, b, false, ErrGone},
	}
	for _, tt := range tests {
		f, err := Spend(ctx, db, tt.token, tt.file, tt.unlocked)
		if !errors.Is(err, tt.want) || (err == nil && f.ID != tt.file) {
			t.Errorf("%s: Spend = %+v, %v; want %v", tt.name, f, err, tt.want)
		}
	}
	if _, err := Peek(ctx, db, open.Token, a, false); !errors.Is(err, ErrGone) {
		t.Errorf("peek of a spent share = %v, want ErrGone", err)
	}
}

// TestSpendIsAtomic: 30 parallel downloads of a share allowing 5 give
// exactly 5 successes.
func TestSpendIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	f := insertFile(t, db, "popular.bin")
	s, err := Create(ctx, db, "", []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: 5}, "")
	if err != nil {
		t.Fatal(err)
	}
	var ok, gone atomic.Int32
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			_, err := Spend(ctx, db, s.Token, f, false)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrGone):
				gone.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 || gone.Load() != 25 {
		t.Errorf("%d succeeded and %d were refused, want 5 and 25", ok.Load(), gone.Load())
	}
	var downloads int
	_ = db.QueryRow(ctx, "SELECT downloads FROM shares WHERE id = $1", s.ID).Scan(&downloads)
	if downloads != 5 {
		t.Errorf("downloads = %d, want 5", downloads)
	}
}
