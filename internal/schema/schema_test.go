package schema_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/ferryhq/ferry/internal/schema"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

func TestMain(m *testing.M) { dbtest.MainNoLeaks(m) }

// logBuffer is a logger whose output a test can read.
func logBuffer() (*slog.Logger, *syncbuf.Buffer) {
	var b syncbuf.Buffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

func status(t *testing.T, db *pgxpool.Pool) schema.Status {
	t.Helper()
	st, err := schema.CurrentStatus(context.Background(), db)
	if err != nil {
		t.Fatalf("CurrentStatus: %v", err)
	}
	return st
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.EmptyPool(t)

	before := status(t, db)
	if !before.Pending || before.Version != 0 || before.RiverVersion != 0 {
		t.Fatalf("empty database: %+v, want pending at version 0", before)
	}
	log, out := logBuffer()
	if err := schema.Migrate(ctx, db, log); err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	for _, want := range []string{"set=ferry version=1 name=00001_initial.sql", "set=river version=1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	after := status(t, db)
	if after.Pending || after.Version != after.Latest || after.RiverVersion != after.RiverLatest || after.Latest < 1 {
		t.Fatalf("after Migrate: %+v, want up to date", after)
	}

	log, out = logBuffer()
	if err := schema.Migrate(ctx, db, log); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if strings.Contains(out.String(), "applied migration") {
		t.Errorf("second Migrate applied something:\n%s", out)
	}
	if got := status(t, db); got != after {
		t.Errorf("status changed by a no-op Migrate: %+v, was %+v", got, after)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	db := dbtest.EmptyPool(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- schema.Migrate(context.Background(), db, slog.New(slog.DiscardHandler)) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	if st := status(t, db); st.Pending {
		t.Errorf("after concurrent Migrate: %+v", st)
	}
}

// TestStatusReadsOnly: a status check must not create goose's table, so
// that /ready never writes.
func TestStatusReadsOnly(t *testing.T) {
	t.Parallel()
	db := dbtest.EmptyPool(t)
	status(t, db)
	var n int
	err := db.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("CurrentStatus created %d tables", n)
	}
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st   schema.Status
		want string
	}{
		{schema.Status{Version: 1, Latest: 1, RiverVersion: 6, RiverLatest: 6}, "ferry schema 1/1, river schema 6/6: up to date"},
		{schema.Status{Latest: 1, RiverLatest: 6, Pending: true}, "ferry schema 0/1, river schema 0/6: migrations pending (run ferry migrate)"},
	} {
		if got := tc.st.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.st, got, tc.want)
		}
	}
}

// TestDown: the down migration removes every table the up one made.
func TestDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.EmptyPool(t)
	if err := schema.Migrate(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(db), schema.Migrations(),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("DownTo(0): %v", err)
	}
	var n int
	err = db.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
		AND tablename IN ('users', 'api_tokens', 'files', 'shares', 'share_files')`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d tables left after Down", n)
	}
	if st := status(t, db); st.Version != 0 || !st.Pending {
		t.Errorf("after Down: %+v", st)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	fp := schema.Fingerprint()
	if len(fp) != 12 || fp != schema.Fingerprint() {
		t.Errorf("Fingerprint() = %q, want 12 stable hex digits", fp)
	}
}

// BenchmarkCurrentStatus: /ready calls it up to once a second.
func BenchmarkCurrentStatus(b *testing.B) {
	db := dbtest.Pool(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := schema.CurrentStatus(ctx, db); err != nil {
			b.Fatal(err)
		}
	}
}
