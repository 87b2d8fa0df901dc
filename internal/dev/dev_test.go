package dev

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

// TestRunOwnServices runs dev three times in one folder with an empty
// environment: cold, warm, and warm after the marker of the dev user was
// lost. Each run must migrate, start the three process types with the
// right environment and prefixed output, and on cancel leave no process.
func TestRunOwnServices(t *testing.T) {
	testkit.SkipShort(t, "starts Postgres and the process types")
	t.Parallel()
	o, fake := setup(t)
	first := runUntilUp(t, o, fake)
	password, err := os.ReadFile(filepath.Join(fake, "password"))
	if err != nil {
		t.Fatalf("dev user not created: %v", err)
	}
	wantEnv(t, first, o.Dir)
	if !strings.Contains(first.out, DevEmail) || !strings.Contains(first.out, "password    "+string(password)+" ") {
		t.Errorf("credentials not shown:\n%s", first.out)
	}
	if strings.Contains(first.logs, string(password)) {
		t.Errorf("password in dev's log lines")
	}
	if b, _ := os.ReadFile(filepath.Join(o.Dir, "dev-user")); strings.TrimSpace(string(b)) != DevEmail {
		t.Errorf("marker holds %q", b)
	}
	if got, used, err := StackEnviron(o.Dir, nil); err != nil || len(used) != 4 || !slices.Contains(got, "DATABASE_URL="+first.children["web"].Env["DATABASE_URL"]) {
		t.Errorf("urls.json gives %q %q %v, want the children's four URLs", got, used, err)
	}

	second := runUntilUp(t, o, fake)
	if _, err := os.Stat(filepath.Join(fake, "password")); err == nil || strings.Contains(second.out, "password") {
		t.Errorf("second run created the dev user again")
	}
	if a, b := first.children["web"].Env["DATABASE_URL"], second.children["web"].Env["DATABASE_URL"]; a != b {
		t.Errorf("DATABASE_URL changed between runs: %s, then %s", a, b)
	}

	if err := os.Remove(filepath.Join(o.Dir, "dev-user")); err != nil {
		t.Fatal(err)
	}
	third := runUntilUp(t, o, fake)
	if !strings.Contains(third.logs, "dev user already exists") || strings.Contains(third.out, "password  ") {
		t.Errorf("an existing user is noted, not shown:\nlogs %s\nout %s", third.logs, third.out)
	}
}

// TestRunGivenDatabase: a DATABASE_URL the user sets wins and dev starts
// no Postgres; a child that exits stops dev with its name; a failed
// migration stops dev before any child starts.
func TestRunGivenDatabase(t *testing.T) {
	testkit.SkipShort(t, "starts Postgres and the process types")
	t.Parallel()
	given := givenDatabase(t)
	t.Run("used", func(t *testing.T) {
		o, fake := setup(t, "DATABASE_URL="+given)
		r := runUntilUp(t, o, fake)
		if got := r.children["worker"].Env["DATABASE_URL"]; got != given {
			t.Errorf("DATABASE_URL %s, want %s", got, given)
		}
		for _, name := range []string{"postgres", "state.json"} {
			if _, err := os.Stat(filepath.Join(o.Dir, name)); err == nil {
				t.Errorf("dev made %s although DATABASE_URL was set", name)
			}
		}
	})
	t.Run("child exits", func(t *testing.T) {
		o, _ := setup(t, "DATABASE_URL="+given, "FAKE_EXIT=clock")
		err := runWithin(t, context.Background(), o)
		if err == nil || !strings.HasPrefix(err.Error(), "clock exited unexpectedly") {
			t.Errorf("want clock named, got %v", err)
		}
	})
	t.Run("migrate fails", func(t *testing.T) {
		o, fake := setup(t, "DATABASE_URL="+given, "FAKE_MIGRATE_FAIL=1")
		err := runWithin(t, context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "migrate") || !strings.Contains(err.Error(), "boom") {
			t.Errorf("want the migration's error, got %v", err)
		}
		if _, err := os.Stat(filepath.Join(fake, "web.json")); err == nil {
			t.Errorf("web started after a failed migration")
		}
	})
}

// setup returns options for a fresh dev folder that Postgres's user can
// reach, running this test binary as a fake ferry that reports to fake.
func setup(t *testing.T, environ ...string) (Options, string) {
	t.Helper()
	root, err := os.MkdirTemp("", "ferry-dev-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir()
	// A race-enabled binary sleeps a second at exit unless told not to.
	environ = append(environ, "FERRY_FAKE_DIR="+fake, "PATH="+os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0")
	return Options{Dir: filepath.Join(root, ".ferry"), Environ: environ, Exe: exe}, fake
}

// run is what one dev run showed.
type run struct {
	out, logs string
	children  map[string]seen
}

// runUntilUp runs dev until the three children are up, cancels, and checks
// that dev returns nil and leaves no process behind.
func runUntilUp(t *testing.T, o Options, fake string) run {
	t.Helper()
	for _, name := range []string{"web.json", "worker.json", "clock.json", "password"} {
		_ = os.Remove(filepath.Join(fake, name))
	}
	var out, logs syncbuf.Buffer
	o.Stdout, o.Log = &out, slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- Run(ctx, o) }()
	r := run{children: waitChildren(t, fake, done)}
	t.Logf("dev up in %v", time.Since(start))
	pids := servicePids(t, o.Dir, r.children["web"].Env)
	for name, c := range r.children {
		pids[name] = c.Pid
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	r.out, r.logs = out.String(), logs.String()
	for name, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("%s (pid %d) still running after Run returned", name, pid)
		}
	}
	wantOutput(t, r.out)
	return r
}

func runWithin(t *testing.T, ctx context.Context, o Options) error {
	t.Helper()
	var out, logs syncbuf.Buffer
	o.Stdout, o.Log = &out, slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := Run(ctx, o)
	if ctx.Err() != nil {
		t.Fatalf("Run did not return on its own:\n%s", out.String())
	}
	return err
}

// waitChildren waits for the three fake children to report.
func waitChildren(t *testing.T, fake string, done <-chan error) map[string]seen {
	t.Helper()
	children := map[string]seen{}
	deadline := time.Now().Add(60 * time.Second)
	for len(children) < 3 {
		for _, name := range []string{"web", "worker", "clock"} {
			var s seen
			if b, err := os.ReadFile(filepath.Join(fake, name+".json")); err == nil && json.Unmarshal(b, &s) == nil {
				children[name] = s
			}
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("children up: %v", children)
		}
	}
	return children
}

// servicePids finds the children's, Postgres's and Redis's pids.
func servicePids(t *testing.T, dir string, env map[string]string) map[string]int {
	t.Helper()
	pids := map[string]int{}
	if b, err := os.ReadFile(filepath.Join(dir, "postgres", "postmaster.pid")); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		pids["postgres"], _ = strconv.Atoi(first)
	}
	opts, err := redis.ParseURL(env["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	info, err := c.Info(context.Background(), "server").Result()
	if m := regexp.MustCompile(`process_id:(\d+)`).FindStringSubmatch(info); err == nil && m != nil {
		pids["redis"], _ = strconv.Atoi(m[1])
	}
	return pids
}

func wantEnv(t *testing.T, r run, dir string) {
	t.Helper()
	web := r.children["web"].Env
	want := map[string]string{"APP_ENV": "development", "PORT": "3000", "PUBLIC_URL": "http://localhost:3000", "SIGNUP_ENABLED": "true"}
	for k, v := range want {
		if web[k] != v {
			t.Errorf("web %s=%q, want %q", k, web[k], v)
		}
	}
	if !strings.HasSuffix(web["DATABASE_URL"], "/ferry?sslmode=disable") || !strings.HasPrefix(web["REDIS_URL"], "redis://127.0.0.1:") {
		t.Errorf("service URLs: %s, %s", web["DATABASE_URL"], web["REDIS_URL"])
	}
	if want := "file://" + filepath.Join(dir, "blobs") + "?"; !strings.HasPrefix(web["BLOB_URL"], want) {
		t.Errorf("BLOB_URL %s, want %s…", web["BLOB_URL"], want)
	}
	ports := map[string]bool{}
	for _, name := range []string{"web", "worker", "clock"} {
		ports[r.children[name].Env["METRICS_PORT"]] = true
	}
	if len(ports) != 3 || ports[""] {
		t.Errorf("METRICS_PORT of web, worker and clock: %v, want three distinct ports", ports)
	}
}

// wantOutput checks every line is whole and behind a known prefix.
func wantOutput(t *testing.T, out string) {
	t.Helper()
	prefixes := []string{"migrate| ", "admin  | ", "web    | ", "worker | ", "clock  | "}
	found := map[string]bool{}
	inBox := false
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if strings.HasPrefix(line, "+--") {
			inBox = !inBox
			continue
		}
		if line == "" || inBox {
			continue
		}
		ok := false
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				ok, found[p] = true, true
			}
		}
		if !ok {
			t.Errorf("line without a prefix: %q", line)
		}
	}
	for _, p := range []string{"migrate| ", "web    | ", "worker | ", "clock  | "} {
		if !found[p] {
			t.Errorf("no %q lines in:\n%s", p, out)
		}
	}
	if n := strings.Count(out, `{"level":"INFO","msg":"stopped"}`); n != 3 {
		t.Errorf("%d children's last (unterminated) lines printed, want 3", n)
	}
}

// givenDatabase is a database of the user's own: a fresh one on the server
// of TEST_DATABASE_URL, else a server this test starts.
func givenDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		dir, err := os.MkdirTemp("", "ferry-dev-given-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		pg, err := devstack.StartPostgres(context.Background(), devstack.PostgresOptions{DataDir: dir, Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pg.Stop(context.Background()) })
		return pg.URL()
	}
	return freshDatabase(t, admin)
}

func freshDatabase(t *testing.T, admin string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("ferry_dev_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
