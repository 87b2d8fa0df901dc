package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
)

// jsEvent is one line test/tus-js/upload.mjs prints.
type jsEvent struct {
	Event   string `json:"event"`
	URL     string `json:"url"`
	Offset  int64  `json:"offset"`
	Message string `json:"message"`
}

// tusJS is test/tus-js installed with `npm ci` in a temp folder, so the
// worktree gets no node_modules and the lock file decides the versions.
type tusJS struct{ dir string }

func installTusJS(t *testing.T) tusJS {
	t.Helper()
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed: %v", bin, err)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"package.json", "package-lock.json", "upload.mjs"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "test", "tus-js", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return tusJS{dir: dir}
}

// run runs upload.mjs with args and returns its events and how it ended.
func (js tusJS) run(t *testing.T, args ...string) ([]jsEvent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"upload.mjs"}, args...)...)
	cmd.Dir = js.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var events []jsEvent
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		events = append(events, decode[jsEvent](t, "upload.mjs output", sc.Bytes()))
	}
	if err != nil {
		// Not args: they hold the token.
		t.Logf("upload.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	return events, err
}

// event returns the first event of kind name, or fails the test.
func event(t *testing.T, events []jsEvent, name string) jsEvent {
	t.Helper()
	for _, e := range events {
		if e.Event == name {
			return e
		}
	}
	t.Fatalf("no %q event in %+v", name, events)
	return jsEvent{}
}

// TestTusJSClient uploads with tus-js-client, the tus client of browsers
// and Uppy, to a real `ferry web` over S3: a whole upload in 256 KiB
// chunks, and one whose process is killed in the middle of a PATCH and
// which a second run continues from the server's offset.
func TestTusJSClient(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	js := installTusJS(t)
	_, _, base, token := startTusWeb(t, blobtest.S3(t))
	c := newTusClient(base, token)
	const chunk = 256 << 10
	common := []string{"--endpoint", base + "/api/v1/uploads", "--token", token, "--chunk-size", "262144"}

	t.Run("whole", func(t *testing.T) {
		path, sum := seededFile(t, t.TempDir(), 3<<20+12345, 1)
		events, err := js.run(t, append(common, "--file", path)...)
		if err != nil {
			t.Fatalf("upload.mjs: %v", err)
		}
		c.wantFile(t, event(t, events, "done").URL, sum)
	})

	t.Run("resume after a killed connection", func(t *testing.T) {
		const size = 4<<20 + 777
		path, sum := seededFile(t, t.TempDir(), size, 2)
		// The first run goes through a proxy that kills its connection
		// in the sixth chunk's body (headers are well under a chunk).
		cutAt := int64(5*chunk + chunk/2)
		proxy := startCutProxy(t, strings.TrimPrefix(base, "http://"), cutAt)
		events, err := js.run(t, "--endpoint", "http://"+proxy.addr+"/api/v1/uploads", "--token", token, "--chunk-size", "262144", "--file", path)
		if err == nil {
			t.Fatalf("first run succeeded through a cut connection: %+v", events)
		}
		<-proxy.cut
		upload := event(t, events, "url").URL
		upload = strings.Replace(upload, proxy.addr, strings.TrimPrefix(base, "http://"), 1)
		// Five chunks were answered 204, so the server has them at least;
		// it may still be storing the cut PATCH's bytes, which the second
		// run's HEAD waits for (it takes the upload's lock).
		code, st := c.status(t, upload)
		if code != 200 || st.Offset < 5*chunk || st.Offset >= size || st.File != nil {
			t.Fatalf("after the cut: %d %+v, want at least the five whole chunks and not all", code, st)
		}
		events, err = js.run(t, append(common, "--file", path, "--upload-url", upload)...)
		if err != nil {
			t.Fatalf("second run: %v", err)
		}
		// The second run asked the server (HEAD) and went on from its
		// offset, not from 0.
		from := event(t, events, "patch").Offset
		if from < st.Offset {
			t.Errorf("second run's first PATCH at %d, want from the server's offset (%d or more)", from, st.Offset)
		}
		t.Logf("connection cut at %d bytes; the server had %d; the second run went on from %d", cutAt, st.Offset, from)
		c.wantFile(t, event(t, events, "done").URL, sum)
	})
}
