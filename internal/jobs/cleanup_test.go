package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/thumbnail"
)

// testDeps is a database and an S3-compatible bucket for jobs to work on.
func testDeps(t *testing.T) *Deps {
	t.Helper()
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: blobtest.S3(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Bucket.Close() })
	return &Deps{DB: dbtest.Pool(t), Bucket: svc.Bucket, Log: slog.New(slog.DiscardHandler),
		Settings:   Settings{PurgeAfter: time.Hour, OrphanGrace: time.Hour, ThumbnailMaxSource: 50 << 20},
		Thumbnails: thumbnail.NewBudget(256 << 20)}
}

// work runs one job of worker w through River, in a transaction.
func work[T river.JobArgs](t *testing.T, d *Deps, w river.Worker[T], args T) {
	t.Helper()
	tw := rivertest.NewWorker(t, riverpgxv5.New(d.DB), &river.Config{}, w)
	err := pgx.BeginFunc(context.Background(), d.DB, func(tx pgx.Tx) error {
		_, err := tw.Work(context.Background(), t, tx, args, nil)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", args.Kind(), err)
	}
}

func put(t *testing.T, b *blob.Bucket, key string) {
	t.Helper()
	if err := b.WriteAll(context.Background(), key, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
}

// addFile inserts a file created age ago with one share in the given state.
func addFile(t *testing.T, db *pgxpool.Pool, key, shareState string, age time.Duration) string {
	t.Helper()
	ctx := context.Background()
	var userID, fileID, shareID string
	_ = db.QueryRow(ctx, `INSERT INTO users (email, password_hash, usage_bytes) VALUES (gen_random_uuid() || '@example.com', 'x', 1) RETURNING id`).Scan(&userID)
	err := db.QueryRow(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key, created_at)
		VALUES ($1, 'f', 1, decode(repeat('ab', 32), 'hex'), 'text/plain', $2, now() - $3::interval) RETURNING id`, userID, key, age).Scan(&fileID)
	if err != nil {
		t.Fatal(err)
	}
	expires, spent := "now() + interval '1 day'", "NULL"
	switch shareState {
	case "expired long ago":
		expires = "now() - interval '2 hours'"
	case "expired just now":
		expires = "now() - interval '1 minute'"
	case "spent long ago":
		spent = "now() - interval '2 hours'"
	}
	err = db.QueryRow(ctx, `INSERT INTO shares (owner_id, token, expires_at, spent_at) VALUES ($1, gen_random_uuid(), `+expires+`, `+spent+`) RETURNING id`, userID).Scan(&shareID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO share_files (share_id, file_id, position) VALUES ($1, $2, 1)`, shareID, fileID); err != nil {
		t.Fatal(err)
	}
	return fileID
}

func TestPurge(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	old := 3 * time.Hour
	cases := map[string]struct {
		state string
		age   time.Duration
		gone  bool
	}{
		"files/expired": {"expired long ago", old, true},
		"files/spent":   {"spent long ago", old, true},
		"files/recent":  {"expired just now", old, false},
		"files/live":    {"live", old, false},
	}
	for key, c := range cases {
		put(t, d.Bucket, key)
		addFile(t, d.DB, key, c.state, c.age)
	}
	work(t, d, &purgeWorker{d: d}, PurgeArgs{})
	work(t, d, &purgeWorker{d: d}, PurgeArgs{}) // idempotent: a second run finds nothing
	for key, c := range cases {
		var n int
		_ = d.DB.QueryRow(context.Background(), "SELECT count(*) FROM files WHERE blob_key = $1", key).Scan(&n)
		if (n == 0) != c.gone {
			t.Errorf("%s: row gone = %v, want %v", key, n == 0, c.gone)
		}
	}
	var queued []string
	rows, _ := d.DB.Query(context.Background(), "SELECT args->>'keys' FROM river_job WHERE kind = 'delete_objects'")
	queued, _ = pgx.CollectRows(rows, pgx.RowTo[string])
	if len(queued) != 1 {
		t.Errorf("delete jobs queued: %v, want one for the two purged files", queued)
	}
	var usage int64
	_ = d.DB.QueryRow(context.Background(), "SELECT sum(usage_bytes) FROM users").Scan(&usage)
	if usage != 2 {
		t.Errorf("usage left = %d, want 2 (the two kept files)", usage)
	}
}

func TestDeleteObjects(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	put(t, d.Bucket, "files/a")
	args := DeleteObjectsArgs{Keys: []string{"files/a", "files/never-existed"}}
	work(t, d, &deleteWorker{d: d}, args)
	work(t, d, &deleteWorker{d: d}, args)
	if ok, _ := d.Bucket.Exists(context.Background(), "files/a"); ok {
		t.Errorf("object still there")
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	put(t, d.Bucket, "files/orphan")
	put(t, d.Bucket, "thumbs/orphan")
	put(t, d.Bucket, "files/kept")
	put(t, d.Bucket, "elsewhere/not-ours")
	addFile(t, d.DB, "files/kept", "live", 0)
	d.Settings.OrphanGrace = time.Hour
	work(t, d, &sweepWorker{d: d}, SweepArgs{}) // within the grace: nothing goes
	if ok, _ := d.Bucket.Exists(context.Background(), "files/orphan"); !ok {
		t.Fatalf("an object younger than the grace was swept")
	}
	d.Settings.OrphanGrace = -time.Minute // everything is old enough now
	work(t, d, &sweepWorker{d: d}, SweepArgs{})
	for key, want := range map[string]bool{"files/orphan": false, "thumbs/orphan": false, "files/kept": true, "elsewhere/not-ours": true} {
		if ok, _ := d.Bucket.Exists(context.Background(), key); ok != want {
			t.Errorf("%s exists = %v, want %v", key, ok, want)
		}
	}
}
