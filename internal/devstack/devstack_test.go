package devstack

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/testkit"
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

// TestPostgresKeepsData starts a server cold, writes, stops it, starts it
// warm on the same folder and port, then kills it the hard way and starts
// again over the stale pid file: the row survives all of it.
func TestPostgresKeepsData(t *testing.T) {
	testkit.SkipShort(t, "starts Postgres three times")
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "data")
	pg := startPG(t, PostgresOptions{DataDir: dir, Fast: true}, "cold (initdb + start)")
	execSQL(t, pg.URL(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	pid := pg.proc.cmd.Process.Pid
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if alive(pid) {
		t.Errorf("postgres pid %d alive after Stop", pid)
	}
	warm := startPG(t, PostgresOptions{DataDir: dir, Port: pg.Port(), Fast: true}, "warm")
	if warm.Port() != pg.Port() {
		t.Errorf("port %d, want %d", warm.Port(), pg.Port())
	}
	wantKept(t, warm.URL())
	if err := syscall.Kill(-warm.proc.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-warm.proc.done
	wantKept(t, startPG(t, PostgresOptions{DataDir: dir, Fast: true}, "after SIGKILL").URL())
}

func startPG(t *testing.T, o PostgresOptions, phase string) *Postgres {
	t.Helper()
	start := time.Now()
	pg, err := StartPostgres(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: %v", phase, err)
	}
	t.Logf("%s: %v", phase, time.Since(start))
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	return pg
}

func wantKept(t *testing.T, url string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int
	if err := conn.QueryRow(context.Background(), "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
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

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestPostgresExitAtStartIsExplained(t *testing.T) {
	testkit.SkipShort(t, "runs initdb and Postgres")
	t.Parallel()
	dir := filepath.Join(tempDir(t), "data")
	_, err := StartPostgres(context.Background(), PostgresOptions{DataDir: dir, Fast: true, Port: 1}) // privileged port: bind fails
	if os.Geteuid() == 0 && err == nil {
		t.Skip("bound port 1 after all")
	}
	if err == nil || !strings.Contains(err.Error(), "exited at start") || !strings.Contains(err.Error(), "could not") {
		t.Errorf("want the server's last words, got %v", err)
	}
}

func TestRedis(t *testing.T) {
	t.Parallel()
	for name, embedded := range map[string]bool{"redis-server": false, "embedded": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath("redis-server"); err != nil && !embedded {
				t.Skip("no redis-server on PATH")
			}
			r, err := StartRedis(context.Background(), RedisOptions{Dir: filepath.Join(t.TempDir(), "redis"), Embedded: embedded})
			if err != nil {
				t.Fatal(err)
			}
			if (r.mini != nil) != embedded {
				t.Errorf("embedded = %v, want %v", r.mini != nil, embedded)
			}
			opts, err := redis.ParseURL(r.URL())
			if err != nil {
				t.Fatal(err)
			}
			c := redis.NewClient(opts)
			defer c.Close()
			if err := c.Ping(context.Background()).Err(); err != nil {
				t.Errorf("ping: %v", err)
			}
			if err := r.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if err := r.Stop(); err != nil {
				t.Errorf("second stop: %v", err)
			}
			if conn, err := net.Dial("tcp", opts.Addr); err == nil {
				conn.Close()
				t.Errorf("still listening after Stop")
			}
		})
	}
}

// TestRedisPersist: a Redis started with Persist keeps its keys across a
// restart in the same folder, as dev's sessions must.
func TestRedisPersist(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH")
	}
	dir := filepath.Join(t.TempDir(), "redis")
	ctx := context.Background()
	for i, want := range []string{"", "kept"} {
		r, err := StartRedis(ctx, RedisOptions{Dir: dir, Persist: true})
		if err != nil {
			t.Fatal(err)
		}
		opts, _ := redis.ParseURL(r.URL())
		c := redis.NewClient(opts)
		got, _ := c.Get(ctx, "session").Result()
		if got != want {
			t.Errorf("start %d: session %q, want %q", i+1, got, want)
		}
		if err := c.Set(ctx, "session", "kept", 0).Err(); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDataDirPermissions: folders devstack creates are traversable whatever
// the umask, the data folder is private to the server's user, and a folder
// that user cannot pass is named in the error. Not parallel: it sets the
// process's umask.
func TestDataDirPermissions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root switches to another user")
	}
	owner, err := serverUser()
	if err != nil {
		t.Fatal(err)
	}
	root := tempDir(t)
	old := syscall.Umask(0o077)
	err = mkdirOwned(filepath.Join(root, "a", "b", "data"), owner)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]os.FileMode{"a": 0o755, "a/b": 0o755, "a/b/data": 0o700} {
		info, err := os.Stat(filepath.Join(root, dir))
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want %v", dir, info.Mode().Perm(), err, want)
		}
	}
	if st, _ := os.Stat(filepath.Join(root, "a/b/data")); int(st.Sys().(*syscall.Stat_t).Uid) != owner.uid {
		t.Errorf("data folder not owned by %s", owner.name)
	}
	if err := owner.canReach(filepath.Join(root, "a/b/data")); err != nil {
		t.Errorf("canReach: %v", err)
	}
	private, err := os.MkdirTemp("", "private-") // 0700, root's
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(private)
	_, err = StartPostgres(context.Background(), PostgresOptions{DataDir: filepath.Join(private, "data")})
	if err == nil || !strings.Contains(err.Error(), "cannot reach "+private+":") {
		t.Errorf("data folder under a private one: %v", err)
	}
}

func TestClearStalePid(t *testing.T) {
	t.Parallel()
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"dead pid":         strconv.Itoa(exited.Process.Pid),
		"pid reused":       strconv.Itoa(os.Getpid()), // alive, but not a postgres
		"garbage":          "not a pid",
		"empty":            "",
		"pid and the rest": strconv.Itoa(exited.Process.Pid) + "\n/data\n1700000000\n5432\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "postmaster.pid")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := clearStalePid(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pid file kept: %v", err)
			}
		})
	}
	if err := clearStalePid(t.TempDir()); err != nil {
		t.Errorf("no pid file: %v", err)
	}
}

func TestFindPostgresBin(t *testing.T) {
	t.Parallel()
	dir, err := FindPostgresBin()
	if err != nil {
		t.Skip(err)
	}
	if !hasServer(dir) {
		t.Errorf("%s holds no initdb and postgres", dir)
	}
}

func TestVersionOf(t *testing.T) {
	t.Parallel()
	for dir, want := range map[string]int{
		"/usr/lib/postgresql/15/bin":  15,
		"/usr/lib/postgresql/9.6/bin": 9,
		"/usr/lib/postgresql/x/bin":   0,
	} {
		if got := versionOf(dir); got != want {
			t.Errorf("versionOf(%s) = %d, want %d", dir, got, want)
		}
	}
}
