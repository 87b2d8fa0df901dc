package web

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestBrowserRequestEndToEnd: the owner makes a request on the Requests
// page; a guest, with no account, opens its link, names themselves,
// drops a file that goes over tus, reloads part way and resumes where
// the server has it; the owner's request page then lists the file with
// the guest's name, and its bytes are the ones sent.
func TestBrowserRequestEndToEnd(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st, owner := newTusBrowserStack(t, 100*time.Millisecond, nil)
	do(t, owner, "make a request",
		chromedp.Navigate(st.url+"/requests"),
		chromedp.SendKeys("#rq-title", "Holiday photos"),
		chromedp.SendKeys("#rq-message", "Drop them here, please."),
		chromedp.SetValue(`input[name="max_files"]`, "3"),
		chromedp.Click(`#new-request button[type=submit]`),
		chromedp.WaitVisible("#request-link"),
	)
	link := eval[string](t, owner, `document.getElementById("request-link").value`)
	if !strings.HasPrefix(link, st.url+"/r/") {
		t.Fatalf("request link %q", link)
	}
	screenshot(t, owner, "requests-page")

	guest, _ := guestBrowser(t)
	p, body := randomFile(t, "beach.bin", 900<<10) // 15 chunks of 64 KiB, 100 ms each at least
	do(t, guest, "open the link", chromedp.Navigate(link), chromedp.WaitVisible("#upload"))
	if !eval[bool](t, guest, `document.getElementById("upload").dataset.engine === "tus"`) {
		t.Fatal("the request page did not take the tus path")
	}
	if h := eval[string](t, guest, `document.querySelector("h1").textContent`); h != "Holiday photos" {
		t.Errorf("the page's title is %q", h)
	}
	do(t, guest, "start, then reload part way",
		chromedp.SendKeys(`input[name="from"]`, "Ann"),
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](`document.getElementById("total-bar").value >= 30`, chromedp.WithPollingInterval(20*time.Millisecond)),
		chromedp.Reload(),
		chromedp.WaitVisible("#upload"),
	)
	do(t, guest, "pick the same file again",
		chromedp.SendKeys(`input[name="from"]`, "Ann"),
		chromedp.SetUploadFiles("#file-input", []string{p}, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(30*time.Second)),
	)
	screenshot(t, guest, "request-upload-done")
	at := eval[string](t, guest, `document.querySelector("#bars progress").dataset.resumedAt`)
	if at == "" || at == "0" || at == "-1" {
		t.Errorf("the upload started again from %q, not from where it was", at)
	}
	if n, files := st.rowCount(t, "uploads"), st.rowCount(t, "files"); n != 1 || files != 1 {
		t.Errorf("%d tus uploads, %d files; want 1 and 1", n, files)
	}

	_, list := st.call(t, "GET", "/api/v1/requests", st.token, nil)
	id := list["requests"].([]any)[0].(map[string]any)["id"].(string)
	_, detail := st.call(t, "GET", "/api/v1/requests/"+id, st.token, nil)
	f := detail["files"].([]any)[0].(map[string]any)
	sum := sha256.Sum256(body)
	if f["name"] != "beach.bin" || f["from"] != "Ann" || f["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("received %v", f)
	}
	do(t, owner, "the request's page", chromedp.Navigate(st.url+"/requests/"+id), chromedp.WaitVisible("#received table"))
	if row := eval[string](t, owner, `document.querySelector("#received tbody tr").textContent`); !strings.Contains(row, "beach.bin") || !strings.Contains(row, "Ann") {
		t.Errorf("the request's page shows %q", row)
	}
	screenshot(t, owner, "request-detail")
}

// TestBrowserRequestWithoutJavaScript: the request page's plain form
// sends two files with JavaScript off, and the page says they arrived.
func TestBrowserRequestWithoutJavaScript(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	link := st.url + "/r/" + st.makeRequest(t, `{"title":"Plain","max_files":2}`)["token"].(string)
	guest, _ := guestBrowser(t)
	withoutJS(t, guest)
	paths := writeFiles(t, map[string][]byte{"one.txt": []byte("first"), "two.txt": []byte("second")})
	do(t, guest, "send with the plain form",
		chromedp.Navigate(link),
		chromedp.SendKeys(`input[name="from"]`, "Bo"),
		chromedp.SetUploadFiles("#file-input", paths, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.WaitVisible("#sent"),
	)
	if msg := eval[string](t, guest, `document.getElementById("sent").textContent`); !strings.Contains(msg, "received") {
		t.Errorf("the page says %q", msg)
	}
	if n := st.rowCount(t, "request_files"); n != 2 {
		t.Errorf("%d received files, want 2", n)
	}
	do(t, guest, "a third is refused", chromedp.Navigate(link),
		chromedp.SetUploadFiles("#file-input", paths[:1], chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.WaitVisible(`main a[href="/"]`)) // the error page's way out; the request page has none
	if h := eval[string](t, guest, `document.body.textContent`); !strings.Contains(h, "all the files it takes") {
		t.Errorf("past max_files the page says %q", h)
	}
}
