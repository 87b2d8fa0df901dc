package share

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// spendWhole downloads n whole copies of f through token.
func spendWhole(t *testing.T, db DB, token, f string, n int) {
	t.Helper()
	for range n {
		if _, err := Spend(context.Background(), db, token, f, false); err != nil {
			t.Fatalf("download: %v", err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestUpdate holds the owner's edits to their effect on a share of one
// 100-byte file that allowed max downloads and served done of them.
func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	owner, other := insertUser(t, db, "owner@example.com"), insertUser(t, db, "other@example.com")
	tests := []struct {
		name       string
		max, done  int
		as         string // "" is the owner
		change     Change
		want       error
		state      string
		remaining  int
		moreWholes int // whole downloads that work after the change
	}{
		{"lower below what was served ends it", 3, 2, "", Change{MaxDownloads: ptr(1)}, nil, "spent", 0, 0},
		{"lower to what was served ends it", 3, 2, "", Change{MaxDownloads: ptr(2)}, nil, "spent", 0, 0},
		{"lower above what was served", 5, 2, "", Change{MaxDownloads: ptr(3)}, nil, "live", 1, 1},
		{"raise", 2, 1, "", Change{MaxDownloads: ptr(4)}, nil, "live", 3, 3},
		{"remove the limit", 2, 1, "", Change{MaxDownloads: ptr(0)}, nil, "live", -1, 5},
		{"expiry alone keeps the budget", 3, 1, "", Change{ExpiresIn: ptr(time.Minute)}, nil, "live", 2, 2},
		{"an ended share is not edited", 1, 1, "", Change{MaxDownloads: ptr(5)}, ErrGone, "", 0, 0},
		{"another owner's share is not found", 3, 0, other, Change{MaxDownloads: ptr(1)}, ErrNotFound, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sizedFile(t, db, 100)
			sh, err := Create(ctx, db, owner, []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: tt.max}, "")
			if err != nil {
				t.Fatal(err)
			}
			spendWhole(t, db, sh.Token, f, tt.done)
			as := tt.as
			if as == "" {
				as = owner
			}
			got, err := Update(ctx, db, as, sh.ID, tt.change)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Update = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			l, err := Get(ctx, db, owner, sh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State() != tt.state || l.State() != tt.state || l.Remaining != tt.remaining {
				t.Errorf("state %s (read back %s), %d remaining; want %s, %d", got.State(), l.State(), l.Remaining, tt.state, tt.remaining)
			}
			for i := range tt.moreWholes + 1 {
				_, err := Spend(ctx, db, sh.Token, f, false)
				if (i < tt.moreWholes) != (err == nil) {
					t.Fatalf("whole download %d after the change: %v; want %d to work", i+1, err, tt.moreWholes)
				}
				if tt.moreWholes == 5 && i == 4 {
					break // no limit: enough
				}
			}
		})
	}
	t.Run("expiry, password", func(t *testing.T) {
		sh, err := Create(ctx, db, owner, []string{sizedFile(t, db, 1)}, Options{ExpiresIn: time.Hour}, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := Update(ctx, db, owner, sh.ID, Change{ExpiresIn: ptr(10 * time.Minute), PasswordHash: ptr("$argon2id$fake")})
		if err != nil || !got.HasPassword || time.Until(got.ExpiresAt) > 11*time.Minute || time.Until(got.ExpiresAt) < 9*time.Minute {
			t.Fatalf("Update = %+v, %v; want a password and 10 minutes left", got, err)
		}
		if got, err = Update(ctx, db, owner, sh.ID, Change{PasswordHash: ptr("")}); err != nil || got.HasPassword {
			t.Fatalf("removing the password: %+v, %v", got, err)
		}
	})
	t.Run("malformed id", func(t *testing.T) {
		if _, err := Update(ctx, db, owner, "nope", Change{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update(nope) = %v, want ErrNotFound", err)
		}
	})
}

// TestUpdateRacesDownloads lowers a share's limit while eight clients
// download as fast as they can. Whatever the interleaving, the budget
// stays exact: every byte reserved is in bytes_served, and once the new
// limit is decided no download is reserved under the old one, so the
// share ends with what it had served then, or with at most the new
// limit's copies.
func TestUpdateRacesDownloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	owner := insertUser(t, db, "owner@example.com")
	for round := range 6 {
		f := sizedFile(t, db, 100)
		sh, err := Create(ctx, db, owner, []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: 1000}, "")
		if err != nil {
			t.Fatal(err)
		}
		var reserved, started atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					started.Add(1)
					d, err := Spend(ctx, db, sh.Token, f, false)
					if errors.Is(err, ErrGone) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					reserved.Add(d.Reserved)
				}
			})
		}
		for started.Load() < int64(10+5*round) {
			time.Sleep(time.Millisecond)
		}
		const newMax = 25
		// What the update decided on: read in its transaction, which holds
		// the share's lock, so no download reserved since is in it.
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Update(ctx, tx, owner, sh.ID, Change{MaxDownloads: ptr(newMax)}); err != nil {
			t.Fatal(err)
		}
		atUpdate := servedOf(t, tx, sh.ID)
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		final := servedOf(t, db, sh.ID)
		if final != reserved.Load() {
			t.Errorf("round %d: bytes_served %d, but the downloads reserved %d", round, final, reserved.Load())
		}
		if atUpdate >= newMax*100 && final != atUpdate || atUpdate < newMax*100 && final > newMax*100 {
			t.Errorf("round %d: %d bytes served when the limit fell to %d copies, %d in the end", round, atUpdate, newMax, final)
		}
	}
}

func servedOf(t *testing.T, db DB, shareID string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), `SELECT sum(bytes_served) FROM share_files WHERE share_id = $1`, shareID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSharesOfOneFile: two links to one file each have their own limit
// and count.
func TestSharesOfOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	owner := insertUser(t, db, "owner@example.com")
	f := sizedFile(t, db, 100)
	one, err := Create(ctx, db, owner, []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	two, err := Create(ctx, db, owner, []string{f}, Options{ExpiresIn: time.Hour, MaxDownloads: 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	spendWhole(t, db, one.Token, f, 1)
	if _, err := Spend(ctx, db, one.Token, f, false); !errors.Is(err, ErrGone) {
		t.Errorf("second download through the first link: %v, want ErrGone", err)
	}
	spendWhole(t, db, two.Token, f, 2)
	if _, err := Spend(ctx, db, two.Token, f, false); !errors.Is(err, ErrGone) {
		t.Errorf("third download through the second link: %v, want ErrGone", err)
	}
	list, err := List(ctx, db, owner)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %d shares, %v", len(list), err)
	}
	for _, l := range list {
		if l.Downloads != l.MaxDownloads || l.State() != "spent" || l.Remaining != 0 || l.FileIDs[0] != f {
			t.Errorf("share %+v: want its own count at its own limit, spent", l)
		}
	}
}

// TestHistory: events come back newest first to the owner alone, and
// outlive the file they name.
func TestHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // needs no commit
	owner, other := insertUser(t, db, "owner@example.com"), insertUser(t, db, "other@example.com")
	f := sizedFile(t, db, 100)
	sh, err := Create(ctx, db, owner, []string{f}, Options{ExpiresIn: time.Hour}, "")
	if err != nil {
		t.Fatal(err)
	}
	client := ClientHash(sh.ID, "192.0.2.7")
	for _, e := range []Event{{FileID: f, Bytes: 40, Client: client}, {FileID: f, Bytes: 100, Whole: true, Client: client}, {Bytes: 120, Whole: true, Client: client}} {
		if err := Record(ctx, db, sh.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `DELETE FROM files WHERE id = $1`, f); err != nil {
		t.Fatal(err)
	}
	got, err := History(ctx, db, owner, sh.ID)
	if err != nil || len(got) != 3 {
		t.Fatalf("History = %d events, %v", len(got), err)
	}
	for i, want := range []int64{120, 100, 40} {
		if got[i].Bytes != want || got[i].FileID != "" || !bytes.Equal(got[i].Client, client) {
			t.Errorf("event %d = %+v, want %d bytes, no file (deleted), the client's hash", i, got[i], want)
		}
	}
	if _, err := History(ctx, db, other, sh.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another owner's history: %v, want ErrNotFound", err)
	}
	if bytes.Equal(ClientHash(sh.ID, "192.0.2.7"), ClientHash(sh.ID, "192.0.2.8")) || bytes.Equal(client, ClientHash(f, "192.0.2.7")) {
		t.Error("ClientHash is the same for two clients, or for two shares")
	}
}
