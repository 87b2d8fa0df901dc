package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
)

// The upload page over tus, in Chromium: small chunks (64 KiB) so that
// every test sends many PATCHes and stays fast.
const tusChunk = 64 << 10

// slowPatches delays each tus PATCH by d, so a test can act part way
// through an upload of a file small enough for the in-process S3 server.
func slowPatches(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/v1/uploads/") {
				time.Sleep(d)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// newTusBrowserStack is a tus stack for the browser: chunks of tusChunk,
// PATCHes delayed by delay (0: none), and a signed-in Chromium.
func newTusBrowserStack(t *testing.T, delay time.Duration, tweak func(*Settings)) (*stack, context.Context) {
	t.Helper()
	var wrap func(http.Handler) http.Handler
	if delay > 0 {
		wrap = slowPatches(delay)
	}
	st := newTusStackWrapped(t, blobtest.SignedS3(t), wrap, func(s *Settings) {
		s.UploadChunkSize = tusChunk
		if tweak != nil {
			tweak(s)
		}
	})
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	// The page may show before its deferred scripts have run.
	waitFor(t, ctx, `document.readyState === "complete"`)
	if !eval[bool](t, ctx, `document.getElementById("upload").dataset.engine === "tus"`) {
		t.Fatal("the upload page did not take the tus path")
	}
	return st, ctx
}

// randomFile writes size random bytes under name in a new folder.
func randomFile(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	body := make([]byte, size)
	_, _ = rand.Read(body)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, body
}

// linkFiles fetches the share behind link as a guest and returns each
// file's bytes by name.
func linkFiles(t *testing.T, st *stack, link string) map[string][]byte {
	t.Helper()
	res, page := st.call(t, "GET", pathOf(t, link), "", nil, "Accept", "application/json")
	if res.StatusCode != 200 {
		t.Fatalf("link %s: %d", link, res.StatusCode)
	}
	out := map[string][]byte{}
	for _, f := range page["files"].([]any) {
		f := f.(map[string]any)
		dl, body := st.call(t, "GET", pathOf(t, f["download_url"].(string)), "", nil)
		if dl.StatusCode != 200 {
			t.Fatalf("download of %v: %d", f["name"], dl.StatusCode)
		}
		out[f["name"].(string)] = []byte(body["_raw"].(string))
	}
	return out
}

// TestBrowserTusTwoFilesOneLink: two files picked together go over tus
// (two uploads, one batch) into one link, whose downloads give back the
// same bytes; the page shows per-file and total progress and the link.
func TestBrowserTusTwoFilesOneLink(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st, ctx := newTusBrowserStack(t, 0, nil)
	a, aBody := randomFile(t, "first.bin", 300<<10)
	c, cBody := randomFile(t, "second notes.txt", 170<<10+17)
	do(t, ctx, "upload two files over tus",
		chromedp.SetUploadFiles("#file-input", []string{a, c}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(20*time.Second)),
	)
	screenshot(t, ctx, "tus-upload-done")
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if !strings.HasPrefix(link, st.url+"/s/") {
		t.Fatalf("link %q", link)
	}
	if msg := eval[string](t, ctx, `document.getElementById("upload-status").textContent`); !strings.Contains(msg, "link is ready") {
		t.Errorf("status line says %q", msg)
	}
	if n, shares := st.rowCount(t, "uploads"), st.rowCount(t, "shares"); n != 2 || shares != 1 {
		t.Errorf("%d tus uploads and %d shares, want 2 and 1", n, shares)
	}
	got := linkFiles(t, st, link)
	if len(got) != 2 || !bytes.Equal(got["first.bin"], aBody) || !bytes.Equal(got["second notes.txt"], cBody) {
		t.Errorf("the link gives back %d files, not the bytes sent", len(got))
	}
	do(t, ctx, "list refreshed", chromedp.Poll[chromedp.Void](`document.querySelectorAll("#file-list tbody tr").length === 2`))

	// The page's scripts are files from this origin only, under the CSP.
	if n := eval[int](t, ctx, `document.querySelectorAll("script:not([src])").length`); n != 0 {
		t.Errorf("the files page has %d inline scripts", n)
	}
	req, _ := http.NewRequest("GET", st.url+"/files", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
}

// TestBrowserTusResumeAfterReload: the page is reloaded part way through
// an upload; picking the same file again resumes it where the server
// has it (the HEAD's offset is past 0, and no second upload is made),
// and the file arrives whole.
func TestBrowserTusResumeAfterReload(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st, ctx := newTusBrowserStack(t, 100*time.Millisecond, nil)
	p, body := randomFile(t, "resume.bin", 900<<10) // 15 chunks of 64 KiB, 100 ms each at least
	do(t, ctx, "start, then reload part way",
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](`document.getElementById("total-bar").value >= 30`, chromedp.WithPollingInterval(20*time.Millisecond)),
		chromedp.Reload(),
		chromedp.WaitVisible("#upload"),
	)
	do(t, ctx, "pick the same file again",
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(30*time.Second)),
	)
	at := eval[string](t, ctx, `document.querySelector("#bars progress").dataset.resumedAt`)
	if at == "" || at == "0" || at == "-1" {
		t.Errorf("the upload started again from %q, not from where it was", at)
	}
	t.Logf("resumed at byte %s of %d", at, len(body))
	if n := st.rowCount(t, "uploads"); n != 1 {
		t.Errorf("%d uploads made, want the one resumed", n)
	}
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if got := linkFiles(t, st, link); !bytes.Equal(got["resume.bin"], body) {
		t.Errorf("the resumed file is %d bytes, not the %d sent", len(got["resume.bin"]), len(body))
	}
}

// TestBrowserTusPauseResume: Pause stops the bytes, Resume goes on from
// there, and the file arrives whole.
func TestBrowserTusPauseResume(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st, ctx := newTusBrowserStack(t, 100*time.Millisecond, nil)
	p, body := randomFile(t, "paused.bin", 700<<10)
	do(t, ctx, "start and pause",
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](`document.getElementById("total-bar").value >= 20`, chromedp.WithPollingInterval(20*time.Millisecond)),
		chromedp.Click("#pause"),
	)
	before := eval[int](t, ctx, `document.getElementById("total-bar").value`)
	time.Sleep(time.Second)
	if after := eval[int](t, ctx, `document.getElementById("total-bar").value`); after != before || before >= 100 {
		t.Errorf("paused at %d%%, then %d%% a second later", before, after)
	}
	if msg := eval[string](t, ctx, `document.getElementById("upload-status").textContent + " " + document.getElementById("pause").textContent`); !strings.Contains(msg, "Paused") || !strings.HasSuffix(msg, "Resume") {
		t.Errorf("paused page says %q", msg)
	}
	screenshot(t, ctx, "tus-paused")
	do(t, ctx, "resume", chromedp.Click("#pause"), chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(30*time.Second)))
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if got := linkFiles(t, st, link); !bytes.Equal(got["paused.bin"], body) {
		t.Errorf("the paused and resumed file is %d bytes, not the %d sent", len(got["paused.bin"]), len(body))
	}
}

// TestBrowserTusRefused: an upload the server refuses at creation (over
// MAX_UPLOAD_SIZE, or over the quota: 413) shows the server's message and
// keeps nothing, neither of it nor of the files sent with it.
func TestBrowserTusRefused(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	tests := []struct {
		name  string
		quota int64
		size  int
		want  string
	}{
		{"over MAX_UPLOAD_SIZE", 0, 2 << 20, errTooLarge.Message},
		{"over the quota", 200 << 10, 300 << 10, "quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, ctx := newTusBrowserStack(t, 0, func(s *Settings) { s.UserQuota = tt.quota })
			small, _ := randomFile(t, "small.txt", 1000)
			big, _ := randomFile(t, "big.bin", tt.size)
			do(t, ctx, "upload too much",
				chromedp.SetUploadFiles("#file-input", []string{small, big}, chromedp.NodeReady),
				chromedp.Click("#send"),
				chromedp.Poll[chromedp.Void](`document.querySelector("#total-text.err") !== null`),
			)
			msg := eval[string](t, ctx, `document.getElementById("total-text").textContent`)
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.want)) {
				t.Errorf("refused upload says %q, want the server's words (%q)", msg, tt.want)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll("#bars .st.err").length`); n != 2 {
				t.Errorf("%d of 2 files marked not sent", n)
			}
			// The small file may have been done before the refusal; the page
			// deletes it again.
			deadline := time.Now().Add(10 * time.Second)
			for st.rowCount(t, "files")+st.objectCount(t) != 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if files, objects := st.rowCount(t, "files"), st.objectCount(t); files != 0 || objects != 0 || eval[bool](t, ctx, `!document.getElementById("done").hidden`) {
				t.Errorf("a refused upload left %d files, %d objects or a link", files, objects)
				var dbg string
				_ = st.services.DB.QueryRow(context.Background(), `SELECT string_agg(name || ' finished=' || (finished_at IS NOT NULL)::text || ' file=' || COALESCE(file_id::text,''), '; ') FROM uploads`).Scan(&dbg)
				t.Logf("uploads: %s; page: %s", dbg, eval[string](t, ctx, `[...document.querySelectorAll("#bars li")].map(l => l.textContent).join(" | ")`))
			}
		})
	}
}

// TestBrowserTusCancel: Cancel part way through a set of files ends the
// upload in progress on the server (tus termination) and deletes the
// files already complete: nothing of the set is kept.
func TestBrowserTusCancel(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st, ctx := newTusBrowserStack(t, 100*time.Millisecond, nil)
	a, _ := randomFile(t, "a.bin", 100<<10)
	b, _ := randomFile(t, "b.bin", 700<<10)
	do(t, ctx, "start and cancel",
		chromedp.SetUploadFiles("#file-input", []string{a, b}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#bars .st.done") !== null && document.getElementById("total-bar").value >= 30`, chromedp.WithPollingInterval(20*time.Millisecond)),
		chromedp.Click("#cancel"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#bars .st.err").length === 2`),
	)
	if eval[bool](t, ctx, `!document.getElementById("cancel").hidden || document.getElementById("send").disabled`) {
		t.Error("after Cancel the page still looks busy")
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.rowCount(t, "files")+st.objectCount(t)+st.rowCount(t, "uploads WHERE finished_at IS NULL") != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if files, objects, open := st.rowCount(t, "files"), st.objectCount(t), st.rowCount(t, "uploads WHERE finished_at IS NULL"); files+objects+open != 0 {
		t.Errorf("a cancelled set left %d files, %d objects and %d open uploads", files, objects, open)
	}
}

// flakyPatches answers every third tus PATCH 503 before reading it, as a
// proxy in trouble would.
func flakyPatches(failed *atomic.Int32) func(http.Handler) http.Handler {
	var n atomic.Int32
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/v1/uploads/") && n.Add(1)%3 == 0 {
				failed.Add(1)
				w.Header().Set("Retry-After", "1")
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestBrowserTusRetries: PATCHes that fail (503) are retried after a
// delay, from the server's offset, and the file arrives whole.
func TestBrowserTusRetries(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	var failed atomic.Int32
	st := newTusStackWrapped(t, blobtest.SignedS3(t), flakyPatches(&failed), func(s *Settings) { s.UploadChunkSize = tusChunk })
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	p, body := randomFile(t, "flaky.bin", 400<<10)
	do(t, ctx, "upload through failures",
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(30*time.Second)),
	)
	if failed.Load() == 0 {
		t.Fatal("no PATCH failed; the test proves nothing")
	}
	t.Logf("%d PATCHes failed and were retried", failed.Load())
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if got := linkFiles(t, st, link); !bytes.Equal(got["flaky.bin"], body) {
		t.Errorf("the file is %d bytes after retries, not the %d sent", len(got["flaky.bin"]), len(body))
	}
}
