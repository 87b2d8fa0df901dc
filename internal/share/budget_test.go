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

// sizedFile adds a file row of size bytes.
func sizedFile(t *testing.T, db DB, size int64) string {
	t.Helper()
	var id string
	err := db.QueryRow(context.Background(), `
		INSERT INTO files (name, size, sha256, content_type, blob_key)
		VALUES ('f', $1, decode(repeat('ab', 32), 'hex'), 'text/plain', 'files/' || gen_random_uuid())
		RETURNING id`, size).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// span is one response: from start, length bytes (-1: to the end), and
// how many of them were sent before it ended (-1: all).
type span struct{ start, length, sent int64 }

// TestBudget holds the download rule to many sequences of requests on a
// 100-byte file: however they are spelled, a share allowing n downloads
// serves at most n copies of the bytes, a download cut short can be
// resumed without costing a second one, and the count follows responses
// that reached the last byte.
func TestBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	tests := []struct {
		name      string
		max       int
		spans     []span
		okCount   int   // responses that got their reservation
		served    int64 // bytes sent by them
		downloads int
	}{
		{"two whole copies of two", 2, []span{{0, -1, -1}, {0, -1, -1}, {0, -1, -1}}, 2, 200, 2},
		{"a range from byte 1 is no free copy", 1, []span{{1, -1, -1}, {0, 1, -1}, {0, -1, -1}}, 2, 100, 1},
		{"many small ranges add up", 1, []span{{0, 25, -1}, {25, 25, -1}, {50, 25, -1}, {75, 25, -1}, {0, 1, -1}}, 4, 100, 1},
		{"overlapping ranges cost twice", 1, []span{{0, 60, -1}, {40, 60, -1}, {0, 10, -1}}, 2, 120, 1},
		{"a resumption may use the slack", 1, []span{{0, 80, -1}, {60, -1, -1}}, 2, 120, 1},
		{"no whole copy from the slack", 1, []span{{0, -1, -1}, {1, -1, -1}, {75, -1, -1}, {76, -1, -1}}, 2, 125, 2},
		{"cut short, then resumed", 1, []span{{0, -1, 30}, {30, -1, -1}, {0, 1, -1}}, 2, 100, 1},
		{"cut short twice, resumed twice", 1, []span{{0, -1, 10}, {10, -1, 40}, {50, -1, -1}}, 3, 100, 1},
		{"the last byte alone counts", 3, []span{{99, 1, -1}, {99, 1, -1}}, 2, 2, 2},
		{"a failed open costs nothing", 1, []span{{0, -1, 0}, {0, -1, 0}, {0, -1, -1}, {0, -1, -1}}, 3, 100, 1},
		{"past the end is refused", 1, []span{{101, -1, -1}, {0, -1, -1}}, 1, 100, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sizedFile(t, db, 100)
			sh, err := Create(ctx, db, "", []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: tt.max}, "")
			if err != nil {
				t.Fatal(err)
			}
			ok, served := 0, int64(0)
			for _, sp := range tt.spans {
				d, err := Reserve(ctx, db, sh.Token, f, false, sp.start, sp.length)
				if err != nil {
					if !errors.Is(err, ErrGone) {
						t.Fatalf("Reserve(%+v) = %v", sp, err)
					}
					continue
				}
				ok++
				sent := d.Reserved
				if sp.sent >= 0 {
					sent = sp.sent
				}
				served += sent
				if err := Refund(ctx, db, d, d.Reserved-sent); err != nil {
					t.Fatal(err)
				}
			}
			got := downloadsOf(t, db, sh.ID)
			if ok != tt.okCount || served != tt.served || got != tt.downloads {
				t.Errorf("%d responses served %d bytes and counted %d downloads; want %d, %d, %d",
					ok, served, got, tt.okCount, tt.served, tt.downloads)
			}
			if served > int64(tt.max)*100+25 {
				t.Errorf("served %d bytes, more than %d copies and the resume slack", served, tt.max)
			}
		})
	}
}

func downloadsOf(t *testing.T, db DB, shareID string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT downloads FROM shares WHERE id = $1", shareID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBudgetRace: 40 parallel requests mixing whole copies and halves of a
// share allowing 3 downloads never serve more than 3 copies' bytes.
func TestBudgetRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	f := sizedFile(t, db, 100)
	sh, err := Create(ctx, db, "", []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: 3}, "")
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			start, length := int64(0), int64(-1)
			if i%2 == 1 {
				start, length = 50*int64(i%4/2), 50
			}
			d, err := Reserve(ctx, db, sh.Token, f, false, start, length)
			if err == nil {
				served.Add(d.Reserved)
			} else if !errors.Is(err, ErrGone) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if served.Load() > 300 {
		t.Errorf("served %d bytes of a 100-byte file limited to 3 downloads", served.Load())
	}
	if _, err := Spend(ctx, db, sh.Token, f, false); !errors.Is(err, ErrGone) {
		t.Errorf("after the race: %v, want ErrGone", err)
	}
}

// TestZipBudget: a zip reserves a whole copy of every file or nothing.
func TestZipBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	a, b, empty := sizedFile(t, db, 10), sizedFile(t, db, 20), sizedFile(t, db, 0)
	sh, err := Create(ctx, db, "", []string{a, b, empty}, Options{ExpiresIn: time.Hour, MaxDownloads: 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, fs, err := SpendAll(ctx, db, sh.Token, false); err != nil || len(fs) != 3 {
		t.Fatalf("first zip: %d files, %v", len(fs), err)
	}
	if _, err := Spend(ctx, db, sh.Token, a, false); err != nil {
		t.Fatalf("second copy of a: %v", err)
	}
	// a has no room left: the second zip must reserve nothing of b.
	if _, _, err := SpendAll(ctx, db, sh.Token, false); !errors.Is(err, ErrGone) {
		t.Fatalf("zip with a spent: %v, want ErrGone", err)
	}
	if _, err := Spend(ctx, db, sh.Token, b, false); err != nil {
		t.Errorf("b after a refused zip: %v (the zip kept b's bytes)", err)
	}
	if _, err := Spend(ctx, db, sh.Token, empty, false); !errors.Is(err, ErrGone) {
		t.Errorf("third download of the empty file: %v, want ErrGone", err)
	}
	if _, err := Peek(ctx, db, sh.Token, a, false); !errors.Is(err, ErrGone) {
		t.Errorf("share with every file spent: %v, want ErrGone", err)
	}
}
