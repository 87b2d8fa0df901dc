package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

// TestMain doubles as the command testenv runs: with TESTENV_PROBE set
// the test binary reaches both servers named in its environment.
func TestMain(m *testing.M) {
	if os.Getenv("TESTENV_PROBE") != "" {
		os.Exit(probe())
	}
	goleak.VerifyTestMain(m)
}

// probe pings TEST_DATABASE_URL and TEST_REDIS_URL and prints them.
func probe() int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dbURL, redisURL := os.Getenv("TEST_DATABASE_URL"), os.Getenv("TEST_REDIS_URL")
	err := pingPostgres(ctx, dbURL)
	if err == nil {
		err = pingRedis(ctx, redisURL)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 1
	}
	fmt.Println(dbURL, redisURL)
	return 0
}

func pingPostgres(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func pingRedis(ctx context.Context, url string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	return rdb.Ping(ctx).Err()
}

// givenHost has both URLs set, so testenv starts nothing.
func givenHost(stdout *syncbuf.Buffer, sigs <-chan os.Signal) host {
	return host{
		environ: []string{"PATH=" + os.Getenv("PATH"), "TEST_DATABASE_URL=postgres://given", "TEST_REDIS_URL=redis://given"},
		stdout:  stdout, stderr: stdout, sigs: sigs,
	}
}

func TestGivenURLsOnlyRunTheCommand(t *testing.T) {
	t.Parallel()
	var out syncbuf.Buffer
	code := run([]string{"sh", "-c", `echo "$TEST_DATABASE_URL $TEST_REDIS_URL"; exit 3`}, givenHost(&out, nil))
	if code != 3 || strings.TrimSpace(out.String()) != "postgres://given redis://given" {
		t.Errorf("exit %d (want the command's 3); output %q", code, out.String())
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, 2},
		{"missing command", []string{"/nonexistent/cmd"}, 127},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out syncbuf.Buffer
			if code := run(tc.args, givenHost(&out, nil)); code != tc.want {
				t.Errorf("exit %d, want %d; output %q", code, tc.want, out.String())
			}
		})
	}
}

// upWriter reports the command's first output, its sign of being up.
type upWriter struct {
	once sync.Once
	up   chan struct{}
}

func (w *upWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.up) })
	return len(p), nil
}

// TestSignalReachesCommand: a SIGTERM to testenv ends the command, and
// testenv exits non-zero.
func TestSignalReachesCommand(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal, 1)
	w := &upWriter{up: make(chan struct{})}
	h := givenHost(nil, sigs)
	h.stdout = w
	done := make(chan int, 1)
	go func() { done <- run([]string{"sh", "-c", "echo up; exec sleep 60"}, h) }()
	<-w.up
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code == 0 {
			t.Error("exit 0 after SIGTERM")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the command outlived SIGTERM")
	}
}

// TestStartsAndStopsServers: with neither URL set the command reaches a
// Postgres and a Redis testenv started, and Postgres is gone afterwards.
func TestStartsAndStopsServers(t *testing.T) {
	testkit.SkipShort(t, "starts Postgres and Redis")
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut syncbuf.Buffer
	h := host{environ: []string{"PATH=" + os.Getenv("PATH"), "TESTENV_PROBE=1"}, stdout: &out, stderr: &errOut}
	if code := run([]string{exe}, h); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
	urls := strings.Fields(out.String())
	if len(urls) != 2 || !strings.Contains(errOut.String(), "testenv: started TEST_DATABASE_URL=") {
		t.Fatalf("probe printed %q; stderr:\n%s", out.String(), errOut.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if pingPostgres(ctx, urls[0]) == nil {
		t.Errorf("Postgres at %s still answers after the run", urls[0])
	}
}
