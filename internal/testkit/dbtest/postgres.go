package dbtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/schema"
)

// pg is this process's connection to the test server, set up once.
var pg struct {
	once     sync.Once
	url      string        // the maintenance database
	admin    *pgxpool.Pool // creates and drops the per-test databases
	template string        // migrated database the tests clone
	err      error
}

// AdminURL is the server's maintenance database, for tests that create or
// drop databases themselves.
func AdminURL(t testing.TB) string {
	t.Helper()
	setup(t)
	return pg.url
}

// URL creates a database cloned from the migrated template and returns its
// URL. The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	setup(t)
	return createDB(t, pg.template)
}

// Pool is URL opened as a pool, closed before the database is dropped.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return openPool(t, URL(t))
}

// EmptyURL creates a database with no schema at all, for tests of the
// migrations themselves. It is dropped when the test ends.
func EmptyURL(t testing.TB) string {
	t.Helper()
	setup(t)
	return createDB(t, "template0")
}

// EmptyPool is EmptyURL opened as a pool.
func EmptyPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return openPool(t, EmptyURL(t))
}

func openPool(t testing.TB, dbURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("dbtest: open test database: %v", err)
	}
	t.Cleanup(pool.Close) // runs before the drop registered earlier
	return pool
}

// setup connects to (or starts) the server and builds the template, once
// per process; every test fails with the same message if that failed.
func setup(t testing.TB) {
	t.Helper()
	pg.once.Do(func() { pg.err = connectServer() })
	if pg.err != nil {
		t.Fatalf("dbtest: postgres: %v", pg.err)
	}
}

func connectServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		var err error
		if u, err = startPostgres(ctx); err != nil {
			return fmt.Errorf("TEST_DATABASE_URL is not set and starting a server failed: %w", err)
		}
	}
	if _, err := withDatabase(u, "x"); err != nil {
		return err
	}
	admin, err := pgxpool.New(ctx, u)
	if err != nil {
		return fmt.Errorf("open %s: %w", redact(u), err)
	}
	onStop(func() error { admin.Close(); return nil })
	pg.url, pg.admin = u, admin
	pg.template = "ferry_tmpl_" + schema.Fingerprint()
	return ensureTemplate(ctx, admin, pg.template)
}

// createDB clones from into a new database named for no one else and
// returns its URL; the database is dropped, connections and all, on cleanup.
func createDB(t testing.TB, from string) string {
	t.Helper()
	name := "ferry_t_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := pg.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+from); err != nil {
		t.Fatalf("dbtest: create database from %s: %v", from, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := pg.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(pg.url, name)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return u
}

// withDatabase returns the postgres:// URL u pointing at database name.
func withDatabase(u, name string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		return "", fmt.Errorf("%s: want a postgres:// URL", redact(u))
	}
	parsed.Path = "/" + name
	return parsed.String(), nil
}

// redact hides a password in u, for error messages.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "the database URL"
	}
	return parsed.Redacted()
}

// quietLog is the logger for migrations and servers started for tests.
func quietLog() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// ensureTemplate makes sure the migrated template name exists. The name
// carries the migrations' fingerprint, so a schema change gets a new one.
// Test binaries of several packages run at once, so the check and the build
// happen under an advisory lock.
func ensureTemplate(ctx context.Context, admin *pgxpool.Pool, name string) error {
	unlock, err := schema.AdvisoryLock(ctx, admin, schema.LockKey("ferry-dbtest-template"))
	if err != nil {
		return fmt.Errorf("template lock: %w", err)
	}
	defer unlock()
	var exists bool
	err = admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look for template: %w", err)
	}
	if exists {
		return nil
	}
	return buildTemplate(ctx, admin, name)
}

// buildTemplate migrates a scratch database and only then renames it to
// name, so a run killed halfway never leaves a half-migrated template.
func buildTemplate(ctx context.Context, admin *pgxpool.Pool, name string) error {
	build := name + "_build"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + build + " WITH (FORCE)", "CREATE DATABASE " + build} {
		if _, err := admin.Exec(ctx, q); err != nil {
			return fmt.Errorf("build template: %w", err)
		}
	}
	if err := migrateDB(ctx, build); err != nil {
		return err
	}
	// No connections allowed: a stray one would make every clone fail.
	_, err := admin.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name)
	if err == nil {
		_, err = admin.Exec(ctx, "ALTER DATABASE "+name+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	}
	if err != nil {
		return fmt.Errorf("build template: %w", err)
	}
	return nil
}

// migrateDB runs schema.Migrate on the database name of the test server.
func migrateDB(ctx context.Context, name string) error {
	u, err := withDatabase(pg.url, name)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		return fmt.Errorf("open template: %w", err)
	}
	defer pool.Close()
	if err := schema.Migrate(ctx, pool, quietLog()); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}
