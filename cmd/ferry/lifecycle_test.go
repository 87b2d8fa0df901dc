package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// ownPostgres starts a Postgres this test may stop and start again.
func ownPostgres(t *testing.T) (*devstack.Postgres, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ferry-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres user must reach it
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pg, err := devstack.StartPostgres(context.Background(), devstack.PostgresOptions{DataDir: dir + "/data", Fast: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	return pg, dir + "/data"
}

// webEnv is a complete environment for web on free ports. It turns the
// drain delay off, so tests that stop web do not wait for it;
// TestDrainBeforeClosing sets one.
func webEnv(t *testing.T, dbURL string) ([]string, string) {
	t.Helper()
	port := freePort(t)
	env := baseEnv(
		"PORT="+strconv.Itoa(port), "METRICS_PORT="+strconv.Itoa(freePort(t)), "DATABASE_URL="+dbURL, "REDIS_URL="+dbtest.RedisURL(t),
		"BLOB_URL=file://"+t.TempDir(), "SHUTDOWN_TIMEOUT=10s", "DRAIN_DELAY=0s", "LOG_LEVEL=debug",
	)
	return env, fmt.Sprintf("http://127.0.0.1:%d", port)
}

// TestWebLifecycle follows one web process through its life: migrate,
// start, ready, a database outage and return, a slow request in flight
// when SIGTERM comes, and a clean exit.
func TestWebLifecycle(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	pg, dataDir := ownPostgres(t)
	env, base := webEnv(t, pg.URL())
	if code, out, errOut := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("second migrate is not a no-op: exit %d %s", code, errOut)
	}

	web := start(t, env, "web")
	t.Logf("start to ready: %v", waitFor(t, web, base+"/ready", 200, "", 20*time.Second))
	waitFor(t, web, base+"/health", 200, "", time.Second)

	if err := pg.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, web, base+"/ready", 503, "database unavailable", 10*time.Second)
	waitFor(t, web, base+"/health", 200, "", time.Second)
	pg2, err := devstack.StartPostgres(context.Background(), devstack.PostgresOptions{DataDir: dataDir, Port: pg.Port(), Fast: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("restart postgres: %v", err)
	}
	t.Cleanup(func() { _ = pg2.Stop(context.Background()) })
	waitFor(t, web, base+"/ready", 200, "", 15*time.Second)

	slowRequestSurvivesSIGTERM(t, web, base, dataDir)
	checkLogs(t, web)
}

// slowRequestSurvivesSIGTERM freezes Postgres so a readiness probe hangs on
// it, sends SIGTERM while that request is in flight, and expects the
// request to be answered and the process to exit 0.
func slowRequestSurvivesSIGTERM(t *testing.T, web *proc, base, dataDir string) {
	pgPid, err := readPid(dataDir + "/postmaster.pid")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // let the cached readiness result expire
	defer freeze(t, pgPid)()
	answered := make(chan int, 1)
	go func() {
		code, _, err := probe(base + "/ready")
		if err != nil {
			code = -1
		}
		answered <- code
	}()
	time.Sleep(300 * time.Millisecond) // the probe is now waiting on the frozen database
	web.signal(t, syscall.SIGTERM)
	if code := <-answered; code != http.StatusServiceUnavailable {
		t.Errorf("in-flight request answered %d, want 503 after its checks timed out", code)
	}
	if code := web.exitCode(t, 15*time.Second); code != 0 {
		t.Errorf("web exit code %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(web.stdout.String(), `"draining"`) {
		t.Errorf("no drain logged")
	}
}

func checkLogs(t *testing.T, p *proc) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range p.jsonLines(t) {
		if line.Time == nil || line.Level == "" || line.Msg == "" {
			t.Errorf("log line lacks time, level or msg: %+v", line)
		}
		seen[line.Msg] = true
	}
	for _, msg := range []string{"starting", "listening", "request", "draining", "stopped cleanly"} {
		if !seen[msg] {
			t.Errorf("no %q log line", msg)
		}
	}
}

// TestReadyWaitsForMigrations: a web process on an unmigrated database is
// alive but not ready, and becomes ready once `ferry migrate` has run.
func TestReadyWaitsForMigrations(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dbURL := emptyDatabase(t)
	env, base := webEnv(t, dbURL)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 503, "schema out of date", 20*time.Second)
	if code, out, errOut := run(t, env, "", "migrate", "--status"); code != 0 || !strings.Contains(out, "pending") {
		t.Errorf("migrate --status: exit %d, %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	waitFor(t, web, base+"/ready", 200, "", 10*time.Second)
	web.signal(t, syscall.SIGTERM)
	if code := web.exitCode(t, 15*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// emptyDatabase creates a database with no schema at all on the test server.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	admin := dbtest.AdminURL(t)
	conn, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("ferry_empty_%d", time.Now().UnixNano())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

// TestWorkerAndClock: both start, answer /health and /metrics on
// METRICS_PORT, and drain on SIGTERM like web.
func TestWorkerAndClock(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	for _, name := range []string{"worker", "clock"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			env := baseEnv("METRICS_PORT="+strconv.Itoa(port), "DATABASE_URL="+dbtest.URL(t), "BLOB_URL=file://"+t.TempDir())
			p := start(t, env, name)
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			waitFor(t, p, base+"/ready", 200, "", 20*time.Second)
			waitFor(t, p, base+"/health", 200, "", time.Second)
			res, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("/metrics: %d", res.StatusCode)
			}
			if name == "worker" {
				wantSeries(t, base+"/metrics", `ferry_jobs_worked_total{kind="process_file",outcome="discarded"} 0`,
					`ferry_jobs_worked_total{kind="orphan_sweep",outcome="retried"} 0`)
			}
			p.signal(t, syscall.SIGTERM)
			if code := p.exitCode(t, 15*time.Second); code != 0 {
				t.Errorf("exit %d after SIGTERM", code)
			}
		})
	}
}

// freeze stops a Postgres server and its backends, so every query on it
// hangs, and returns the function that thaws them.
func freeze(t *testing.T, pgPid int) func() {
	t.Helper()
	frozen := append(childrenOf(t, pgPid), pgPid)
	for _, pid := range frozen {
		_ = syscall.Kill(pid, syscall.SIGSTOP)
	}
	return func() {
		for _, pid := range frozen {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
}

// childrenOf lists the processes whose parent is pid. Postgres backends
// start sessions of their own, so signalling the server's process group
// would miss them.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The parent pid is the second field after the command's closing parenthesis.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}

// TestStartsWhileDatabaseIsDown: a process whose database is down at start
// keeps serving /health, reports why it is not ready, logs its retries,
// and becomes ready by itself once the database appears.
func TestStartsWhileDatabaseIsDown(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dir, err := os.MkdirTemp("", "ferry-pg-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	port := freePort(t)
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	env, base := webEnv(t, dbURL)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 503, "database unavailable", 20*time.Second)
	waitFor(t, web, base+"/health", 200, "", time.Second)
	pg, err := devstack.StartPostgres(context.Background(), devstack.PostgresOptions{DataDir: dir + "/data", Port: port, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	waitFor(t, web, base+"/ready", 503, "schema out of date", 20*time.Second)
	if code, _, errOut := run(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	if !strings.Contains(web.stdout.String(), "backing service down, retrying") {
		t.Errorf("no retry logged")
	}
}

// TestShutdownDeadline: a drain past SHUTDOWN_TIMEOUT cuts the request
// off, says so and exits 1; a second signal ends the process at once.
func TestShutdownDeadline(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	for _, tc := range []struct {
		name     string
		timeout  string
		twice    bool
		within   time.Duration
		wantCode int
		wantLog  string
	}{
		{"deadline", "SHUTDOWN_TIMEOUT=300ms", false, 5 * time.Second, 1, "drain cut off requests"},
		{"second signal", "SHUTDOWN_TIMEOUT=30s", true, 2 * time.Second, 1, "second signal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, base := webEnv(t, dbtest.URL(t))
			web := start(t, append(env, tc.timeout, "ANONYMOUS_UPLOADS=true"), "web")
			waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
			// An upload whose body stops halfway keeps the drain waiting.
			up := startSlowUpload(t, base, opsBase(env))
			defer up.finish()
			web.signal(t, syscall.SIGTERM)
			if tc.twice {
				time.Sleep(100 * time.Millisecond)
				web.signal(t, syscall.SIGTERM)
			}
			if code := web.exitCode(t, tc.within); code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			if !strings.Contains(web.stdout.String(), tc.wantLog) {
				t.Errorf("no %q in the log", tc.wantLog)
			}
		})
	}
}

func TestMigrateUnreachable(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	env := baseEnv(fmt.Sprintf("DATABASE_URL=postgres://u:hunter2@127.0.0.1:%d/x?connect_timeout=2", freePort(t)))
	code, _, errOut := run(t, env, "", "migrate")
	if code != 1 || !strings.Contains(errOut, "database unreachable") || strings.Contains(errOut, "hunter2") || strings.Count(strings.TrimSpace(errOut), "\n") > 3 {
		t.Errorf("migrate against nothing: exit %d, %q", code, errOut)
	}
}
