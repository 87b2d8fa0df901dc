package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestDev runs `ferry dev` in an empty folder with an empty environment,
// twice: cold (initdb) and warm. Each time web must become ready, and
// Ctrl-C must leave no process behind and exit 0.
func TestDev(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dir, err := os.MkdirTemp("", "ferry-dev-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // Postgres runs as another user and must reach .ferry
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	port := freePort(t)
	for i, phase := range []string{"cold", "warm"} {
		p := startIn(t, dir, baseEnv("PORT="+strconv.Itoa(port)), "dev")
		took := waitFor(t, p, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 90*time.Second)
		t.Logf("ferry dev %s start to ready: %v", phase, took)
		out := p.stdout.String()
		if i == 0 && !strings.Contains(out, "dev@ferry.local") {
			t.Errorf("cold start printed no dev user credentials")
		}
		for _, prefix := range []string{"web", "worker", "clock"} {
			if !strings.Contains(out, prefix) {
				t.Errorf("no output from %s", prefix)
			}
		}
		pgPid, err := readPid(filepath.Join(dir, ".ferry", "postgres", "postmaster.pid"))
		if err != nil {
			t.Fatalf("dev Postgres pid: %v", err)
		}
		p.signal(t, syscall.SIGINT)
		if code := p.exitCode(t, 60*time.Second); code != 0 {
			t.Errorf("%s: ferry dev exit %d after Ctrl-C", phase, code)
		}
		if pidAlive(pgPid) {
			t.Errorf("%s: Postgres (pid %d) still running after ferry dev exited", phase, pgPid)
		}
	}
}

// TestDevUsesGivenDatabase: a DATABASE_URL the user sets wins, and dev
// starts no Postgres of its own.
func TestDevUsesGivenDatabase(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dir := t.TempDir()
	port := freePort(t)
	p := startIn(t, dir, baseEnv("PORT="+strconv.Itoa(port), "DATABASE_URL="+dbtest.URL(t)), "dev")
	waitFor(t, p, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 60*time.Second)
	if _, err := os.Stat(filepath.Join(dir, ".ferry", "postgres")); err == nil {
		t.Errorf("dev started a Postgres although DATABASE_URL was set")
	}
	p.signal(t, syscall.SIGINT)
	if code := p.exitCode(t, 60*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
}
