package share

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// insertUser adds a user row directly: these tests are about shares.
func insertUser(t *testing.T, db DB, email string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(context.Background(), `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// joinTx runs Join for files in a transaction of its own, as a commit does.
func joinTx(ctx context.Context, db *pgxpool.Pool, owner, batch string, o Options, fileIDs ...string) (Share, bool, error) {
	var s Share
	var made bool
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		s, made, err = Join(ctx, tx, owner, batch, fileIDs, o, "")
		return err
	})
	return s, made, err
}

// filesOfShare are the ids of a share's files in their order.
func filesOfShare(t *testing.T, db DB, shareID string) []string {
	t.Helper()
	fs, err := filesOf(context.Background(), db, shareID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// TestJoinConcurrent: eight uploads of one batch committing at once end
// in one share holding all eight files at distinct positions, made with
// the options of the one that came first; another owner's same batch id
// gets a share of its own.
func TestJoinConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	owner, other := insertUser(t, db, "a@example.com"), insertUser(t, db, "b@example.com")
	const batch = "batch-0123456789abcdef"
	var ids []string
	for range 8 {
		ids = append(ids, insertFile(t, db, "part.bin"))
	}
	var wg sync.WaitGroup
	shares := make([]Share, len(ids))
	made := make([]bool, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			var err error
			shares[i], made[i], err = joinTx(ctx, db, owner, batch, Options{ExpiresIn: time.Hour, MaxDownloads: i + 1}, id)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var creators int
	for i, s := range shares {
		if s.ID != shares[0].ID {
			t.Errorf("upload %d is in share %s, upload 0 in %s", i, s.ID, shares[0].ID)
		}
		if made[i] {
			creators++
			if s.MaxDownloads != i+1 {
				t.Errorf("the share has max_downloads %d, its maker asked %d", s.MaxDownloads, i+1)
			}
		}
	}
	if creators != 1 {
		t.Errorf("%d uploads made the share, want 1", creators)
	}
	if got := filesOfShare(t, db, shares[0].ID); len(got) != len(ids) {
		t.Errorf("the share holds %d files, want %d", len(got), len(ids))
	}
	var positions int
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT position) FROM share_files WHERE share_id = $1`, shares[0].ID).Scan(&positions); err != nil || positions != len(ids) {
		t.Errorf("%d distinct positions (%v), want %d", positions, err, len(ids))
	}

	foreign := insertFile(t, db, "theirs.bin")
	s, madeNew, err := joinTx(ctx, db, other, batch, Options{ExpiresIn: time.Hour}, foreign)
	if err != nil || !madeNew || s.ID == shares[0].ID {
		t.Errorf("another owner's batch: share %s made %v (%v), want a new one", s.ID, madeNew, err)
	}
}

// TestJoinEnded: a batch whose share has ended starts a new share.
func TestJoinEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	owner := insertUser(t, db, "a@example.com")
	const batch = "ended-batch-0123456789"
	first, _, err := joinTx(ctx, db, owner, batch, Options{ExpiresIn: time.Hour}, insertFile(t, db, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = $1`, first.ID); err != nil {
		t.Fatal(err)
	}
	second, made, err := joinTx(ctx, db, owner, batch, Options{ExpiresIn: time.Hour}, insertFile(t, db, "b"))
	if err != nil || !made || second.ID == first.ID {
		t.Errorf("after the share ended: %s made %v (%v), want a new share", second.ID, made, err)
	}
}
