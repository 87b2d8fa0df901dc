package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// tempDir is a folder the unprivileged Postgres user can enter; t.TempDir
// is private to root.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "devstack-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func TestPostgresKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "data")
	start := time.Now()
	pg, err := StartPostgres(ctx, PostgresOptions{DataDir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cold start (initdb + start): %v", time.Since(start))
	execSQL(t, pg.URL(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	again, err := StartPostgres(ctx, PostgresOptions{DataDir: dir, Port: pg.Port(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm start: %v", time.Since(start))
	defer again.Stop(ctx)
	conn, err := pgx.Connect(ctx, again.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Errorf("after restart: %d, %v", v, err)
	}
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func TestRedis(t *testing.T) {
	t.Parallel()
	for name, embedded := range map[string]bool{"redis-server": false, "embedded": true} {
		t.Run(name, func(t *testing.T) {
			r, err := StartRedis(context.Background(), RedisOptions{Dir: t.TempDir(), Embedded: embedded})
			if err != nil {
				t.Fatal(err)
			}
			opts, _ := redis.ParseURL(r.URL())
			c := redis.NewClient(opts)
			defer c.Close()
			if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
				t.Errorf("set: %v", err)
			}
			if err := r.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if c.Ping(context.Background()).Err() == nil {
				t.Errorf("still answering after Stop")
			}
		})
	}
}

func TestUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root switches to another user")
	}
	private, err := os.MkdirTemp("", "private-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(private)
	_, err = StartPostgres(context.Background(), PostgresOptions{DataDir: filepath.Join(private, "data")})
	if err == nil || !strings.Contains(err.Error(), "cannot enter") {
		t.Errorf("data dir under a private folder: %v", err)
	}
}
