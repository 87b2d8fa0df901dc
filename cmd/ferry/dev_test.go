package main

import (
	"fmt"
	"net/http"
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
// twice: cold (initdb) and warm. Each time web must become ready, dev
// must say what it starts and print its summary, keep the configuration
// dump out of the info lines, and Ctrl-C must leave no process behind and
// exit 0. A browser signed in on the cold start is still signed in on the
// warm one: dev's Redis keeps its data.
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
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	browser := newJar(t)
	for i, phase := range []string{"cold", "warm"} {
		p := startIn(t, dir, baseEnv("PORT="+strconv.Itoa(port)), "dev")
		took := waitFor(t, p, base+"/ready", 200, "", 90*time.Second)
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
		if strings.Contains(out, `"msg":"configuration"`) {
			t.Errorf("%s: the children's configuration is logged at info", phase)
		}
		talk := waitForText(t, p, "reset-password --email dev@ferry.local", 10*time.Second)
		for _, want := range []string{"ferry dev: starting Postgres, Redis and storage under ./.ferry ...", "Ferry is ready at http://localhost:", "./.ferry/urls.json"} {
			if !strings.Contains(talk, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", phase, want, talk)
			}
		}
		if fi, err := os.Stat(filepath.Join(dir, ".ferry", "urls.json")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: urls.json %v, want mode 0600", phase, err)
		}
		if i == 0 {
			password := devPassword(t, out)
			if res := devLogin(t, browser, base, password); res.StatusCode != 200 {
				t.Errorf("dev user sign-in: %d", res.StatusCode)
			}
		} else if res := getWith(t, browser, base+"/api/v1/me"); res.StatusCode != 200 {
			t.Errorf("signed out by the restart: /api/v1/me %d", res.StatusCode)
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

// waitForText waits until p's stderr holds text, and returns it.
func waitForText(t *testing.T, p *proc, text string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s := p.stderr.String(); strings.Contains(s, text) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stderr never showed %q:\n%s", text, p.stderr.String())
	return ""
}

// devPassword reads the dev user's password from the box of a cold start.
func devPassword(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "password    ")
	f := strings.Fields(rest)
	if !ok || len(f) == 0 {
		t.Fatalf("no password in the cold start's output")
	}
	return f[0]
}

func devLogin(t *testing.T, c *http.Client, base, password string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(`{"email":"dev@ferry.local","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
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
