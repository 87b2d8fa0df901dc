package dbtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestMain also checks that stopping leaves no goroutine behind: no pool
// or server watcher outlives Run.
func TestMain(m *testing.M) { MainNoLeaks(m) }

func TestPoolIsMigratedAndIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := Pool(t), Pool(t)
	if _, err := a.Exec(ctx, "INSERT INTO users (email, password_hash) VALUES ('a@x.example', 'h')"); err != nil {
		t.Fatalf("template not migrated? %v", err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil || n != 0 {
		t.Errorf("second database sees %d users (%v); want 0", n, err)
	}
	if err := b.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&n); err != nil {
		t.Errorf("River tables missing: %v", err)
	}
}

func TestDatabaseDroppedOnCleanup(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		db := Pool(t)
		if err := db.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	var exists bool
	err := pg.admin.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		t.Errorf("database %s still exists after its test (%v)", name, err)
	}
}

// TestEnsureTemplateConcurrently builds one new template from several
// goroutines at once, as parallel test binaries would.
func TestEnsureTemplateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	AdminURL(t)
	name := "ferry_tmpl_test_" + randomHex(t, 6)
	t.Cleanup(func() {
		for _, q := range []string{"ALTER DATABASE " + name + " IS_TEMPLATE false", "DROP DATABASE " + name} {
			if _, err := pg.admin.Exec(ctx, q); err != nil {
				t.Errorf("drop %s: %v", name, err)
			}
		}
	})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			admin, err := pgxpool.New(ctx, pg.url) // each its own session, like another process
			if err != nil {
				t.Error(err)
				return
			}
			defer admin.Close()
			if err := ensureTemplate(ctx, admin, name); err != nil {
				t.Errorf("ensureTemplate: %v", err)
			}
		})
	}
	wg.Wait()
	db := openPool(t, createDB(t, name))
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Errorf("clone of the new template is not migrated: %v", err)
	}
}

func TestEmptyPool(t *testing.T) {
	t.Parallel()
	var n int
	err := EmptyPool(t).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("empty database has %d tables (%v)", n, err)
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/db?sslmode=disable"},
		{"postgresql://u:p@h/x", "postgresql://u:p@h/db"},
	} {
		if got, err := withDatabase(tc.in, "db"); err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := withDatabase("host=h user=u password=secret", "db"); err == nil {
		t.Error("a keyword/value string was accepted")
	}
	if got := redact("postgres://u:secret@h/x"); got != "postgres://u:xxxxx@h/x" {
		t.Errorf("redact = %q", got)
	}
}

func TestRedis(t *testing.T) {
	t.Parallel()
	if RedisURL(t) == "" {
		t.Fatal("empty Redis URL")
	}
	a, b := RedisPrefix(t), RedisPrefix(t)
	if a == b || len(a) < len("test:x:12345678:") {
		t.Errorf("prefixes %q and %q", a, b)
	}
}

// TestCloneSpeed logs what one Pool costs; it fails only when absurdly slow.
func TestCloneSpeed(t *testing.T) {
	testkit.SkipShort(t, "a measurement, five clones")
	AdminURL(t) // the one-time setup is not what is measured
	start := time.Now()
	const n = 5
	for range n {
		t.Run("clone", func(t *testing.T) { Pool(t) })
	}
	each := time.Since(start) / n
	t.Logf("Pool(t) create+drop: %v each", each)
	if each > 10*time.Second {
		t.Errorf("a clone takes %v", each)
	}
}
