package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// newBrowser starts a fresh headless Chromium for one test. Without
// chromium the test is skipped on a workstation and fails in CI.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("chromium is not installed (apt-get install chromium); set CI to make this a failure")
		}
		t.Fatal("chromium is not installed")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	// Confirmation dialogs are accepted, as a person deleting would.
	go func() {
		for _, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// do runs steps with a deadline, failing the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until js is true, across the navigations a form makes.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", js, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves the whole page to $FERRY_SCREENSHOTS, or to the
// git-ignored testdata/screenshots at the top of the repository.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("FERRY_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/files"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "owner@example.com"),
		chromedp.SendKeys("#password", "correct horse battery"),
	)
	screenshot(t, ctx, "login")
	// The page's deferred scripts have run once it is complete: a test
	// that looks at what they set must not race them.
	do(t, ctx, "submit sign in", chromedp.Click(`button[type=submit]`), chromedp.WaitVisible("#upload"))
	// Polled from here, not with chromedp.Poll, which needs the page's
	// script and so hangs in the tests that turn it off.
	for deadline := time.Now().Add(30 * time.Second); eval[string](t, ctx, `document.readyState`) != "complete"; {
		if time.Now().After(deadline) {
			t.Fatal("the page after sign-in never finished loading")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeFiles writes each named body into a new folder and returns the
// paths.
func writeFiles(t *testing.T, contents map[string][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, body := range contents {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// guestBrowser is a browser with no session that saves downloads in the
// folder it returns.
func guestBrowser(t *testing.T) (context.Context, string) {
	t.Helper()
	guest, downloads := newBrowser(t), t.TempDir()
	if _, err := chromedp.Call(guest, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	return guest, downloads
}

// uploadDone is true once every file's bar and the total are full, every
// file is marked done and the one link is shown.
const uploadDone = `document.querySelectorAll("#bars .st.done").length === document.querySelectorAll("#bars li").length &&
	[...document.querySelectorAll("#bars progress")].every(p => p.value === 100) &&
	document.getElementById("total-bar").value === 100 && !document.getElementById("done").hidden`

func TestBrowserUploadShareDownloadDelete(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	screenshot(t, ctx, "files-empty")

	contents := map[string][]byte{
		"report <draft>.txt": bytes.Repeat([]byte("ferry report\n"), 20000),
		"photo.bin":          bytes.Repeat([]byte{0, 1, 2, 3, 250, 251}, 50000),
	}
	do(t, ctx, "upload two files",
		chromedp.SetUploadFiles("#file-input", writeFiles(t, contents), chromedp.NodeReady),
		chromedp.Click("#send"),
		(chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(20*time.Second))),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll("#bars li").length`); n != 2 {
		t.Fatalf("%d progress bars for two files", n)
	}
	screenshot(t, ctx, "upload-done")
	do(t, ctx, "list refreshed", (chromedp.Poll[chromedp.Void](`document.querySelectorAll("#file-list tbody tr").length === 2`)))
	screenshot(t, ctx, "files")

	// One upload, one link: the copy field's, which every row shares.
	do(t, ctx, "copy link", chromedp.Click(`#done button.copy`),
		(chromedp.Poll[chromedp.Void](`document.querySelector("#done button.copy").textContent === "Copied"`)))
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if !strings.HasPrefix(link, st.url+"/s/") {
		t.Fatalf("copied link %q", link)
	}
	// The link's QR code, drawn by the server, is shown beside it.
	waitFor(t, ctx, `document.getElementById("share-qr").complete && document.getElementById("share-qr").naturalWidth > 0`)
	if src := eval[string](t, ctx, `document.getElementById("share-qr").getAttribute("src")`); src != link[len(st.url):]+"/qr.svg" {
		t.Errorf("the QR code after the upload is %q, want the link's", src)
	}
	for _, l := range eval[[]string](t, ctx, `[...document.querySelectorAll("#file-list .link-field")].map(f => f.value)`) {
		if l != link {
			t.Errorf("a file's row links to %s, not the upload's %s", l, link)
		}
	}

	// Signed out, in another browser: the link's page downloads both.
	guest, downloads := guestBrowser(t)
	do(t, guest, "open share", chromedp.Navigate(link), chromedp.WaitVisible(".file"))
	waitFor(t, guest, `document.querySelector(".qr img").complete && document.querySelector(".qr img").naturalWidth > 0`)
	screenshot(t, guest, "share")
	names := eval[[]string](t, guest, `[...document.querySelectorAll(".file .name")].map(n => n.textContent)`)
	if len(names) != 2 {
		t.Fatalf("the share page lists %v", names)
	}
	for i, name := range names {
		do(t, guest, "download", chromedp.Click(fmt.Sprintf(`.file:nth-child(%d) a.btn`, i+1)))
		waitFile(t, downloads, name, contents[name])
	}
	do(t, guest, "share phone", chromedp.EmulateViewport(360, 780), chromedp.Reload(), chromedp.WaitVisible(".file"))
	if w := eval[int](t, guest, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("share page is %d px wide on a 360 px screen", w)
	}
	screenshot(t, guest, "share-phone")

	// Deleting one file leaves the other on the link; deleting both ends it.
	for left := 1; left >= 0; left-- {
		do(t, ctx, "delete", chromedp.Click(`#file-list button.danger`))
		waitFor(t, ctx, fmt.Sprintf(`document.querySelectorAll("#file-list tbody tr").length === %d`, left))
	}
	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Accept", "text/html")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusGone {
		t.Errorf("deleted files' link answers %d", res.StatusCode)
	}
	do(t, guest, "ended link page", chromedp.EmulateViewport(1200, 900), chromedp.Navigate(link), chromedp.WaitVisible("h1"))
	screenshot(t, guest, "link-ended")

	do(t, ctx, "tokens", chromedp.Navigate(st.url+"/tokens"), chromedp.SendKeys("#token-name", "laptop"),
		chromedp.Click(`form[action="/tokens"] button`), chromedp.WaitVisible("#new-token"))
	screenshot(t, ctx, "tokens")
	do(t, ctx, "account", chromedp.Navigate(st.url+"/account"), chromedp.WaitVisible("h1"))
	screenshot(t, ctx, "account")

	do(t, ctx, "phone width", chromedp.EmulateViewport(360, 780), chromedp.Navigate(st.url+"/files"), chromedp.WaitVisible("#upload"))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("files page is %d px wide on a 360 px screen", w)
	}
	screenshot(t, ctx, "files-phone")

	dark := func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	}
	do(t, ctx, "dark mode", chromedp.Func(dark), chromedp.EmulateViewport(1200, 900), chromedp.Navigate(st.url+"/files"), chromedp.WaitVisible("#upload"))
	if bg := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(17, 20, 24)" {
		t.Errorf("dark mode background %s", bg)
	}
	screenshot(t, ctx, "files-dark")
}

// waitFile waits for a download into dir with exactly the bytes want. The
// browser may change characters such as < and > in the saved name.
func waitFile(t *testing.T, dir, name string, want []byte) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			got, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err == nil && !strings.HasSuffix(e.Name(), ".crdownload") && bytes.Equal(got, want) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("%s was not downloaded with its bytes; the folder holds %v", name, entries)
}

func TestBrowserPasswordShare(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	file := st.upload(t, "secret.txt", []byte("the secret"), "", passwordHeader, "open sesame")
	link := shareOf(file)["url"].(string)
	ctx := newBrowser(t)
	do(t, ctx, "locked", chromedp.Navigate(link), chromedp.WaitVisible("#password"))
	if n := eval[int](t, ctx, `document.querySelectorAll(".file").length`); n != 0 {
		t.Fatal("a locked share shows its files")
	}
	do(t, ctx, "wrong password", chromedp.SendKeys("#password", "nope"), chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(".alert"))
	screenshot(t, ctx, "share-locked")
	do(t, ctx, "unlock", chromedp.SendKeys("#password", "open sesame"), chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(".file"))
	if name := eval[string](t, ctx, `document.querySelector(".file .name").textContent`); name != "secret.txt" {
		t.Errorf("unlocked share shows %q", name)
	}
	screenshot(t, ctx, "share-unlocked")
}

// TestBrowserUploadRefused sends more than MAX_UPLOAD_SIZE in one upload:
// the page says why in the API's words, and nothing is kept.
func TestBrowserUploadRefused(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil) // MAX_UPLOAD_SIZE 1 MiB, for all the files together
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	contents := map[string][]byte{"a.bin": make([]byte, 700<<10), "b.bin": make([]byte, 700<<10)}
	do(t, ctx, "upload too much",
		chromedp.SetUploadFiles("#file-input", writeFiles(t, contents), chromedp.NodeReady),
		chromedp.Click("#send"),
		(chromedp.Poll[chromedp.Void](`document.querySelector("#total-text.err") !== null`)),
	)
	screenshot(t, ctx, "upload-refused")
	if msg := eval[string](t, ctx, `document.getElementById("total-text").textContent`); !strings.EqualFold(msg, stackTooLarge.Message) {
		t.Errorf("refused upload says %q, want the API's %q", msg, stackTooLarge.Message)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#bars .st.err").length`); n != 2 {
		t.Errorf("%d of 2 files marked not sent", n)
	}
	if eval[bool](t, ctx, `[...document.querySelectorAll("#progress progress")].some(p => p.value > 0)`) {
		t.Error("a refused upload's bars still show progress")
	}
	if eval[bool](t, ctx, `!document.getElementById("done").hidden`) || st.rowCount(t, "files") != 0 || st.objectCount(t) != 0 {
		t.Error("a refused upload left a link, a row or an object")
	}
}

// TestBrowserUploadCancel stops an upload part way: the page says so and
// the server keeps nothing of it.
func TestBrowserUploadCancel(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	const size = 512 << 20 // long enough to be caught part way
	st := newStackOn(t, "file://"+t.TempDir()+"?no_tmp_dir=true", func(s *Settings) { s.MaxUploadSize = size })
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	do(t, ctx, "start and cancel",
		chromedp.SetUploadFiles("#file-input", []string{bigFile(t, size)}, chromedp.NodeReady),
		chromedp.Click("#send"),
		(chromedp.Poll[chromedp.Void](`document.getElementById("total-bar").value > 0`, chromedp.WithPollingInterval(20*time.Millisecond))),
		chromedp.Click("#cancel"),
		(chromedp.Poll[chromedp.Void](`document.querySelector("#bars .st.err")?.textContent === "Cancelled"`)),
	)
	if eval[bool](t, ctx, `!document.getElementById("cancel").hidden || document.getElementById("send").disabled`) {
		t.Error("after Cancel the page still looks busy")
	}
	deadline := time.Now().Add(20 * time.Second)
	for st.objectCount(t) != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n, rows := st.objectCount(t), st.rowCount(t, "files"); n != 0 || rows != 0 {
		t.Errorf("a cancelled upload left %d objects and %d rows", n, rows)
	}
}
