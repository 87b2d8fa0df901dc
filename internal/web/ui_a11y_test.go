package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// unlabelledJS lists the visible controls that have no accessible name:
// no <label>, no aria-label or aria-labelledby, and for buttons and links
// no text.
const unlabelledJS = `[...document.querySelectorAll("input:not([type=hidden]),select,textarea,button,a[href]")]
	.filter(el => el.getClientRects().length > 0 || el.type === "file")
	.filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") &&
		!el.getAttribute("aria-labelledby") && !el.textContent.trim())
	.map(el => el.outerHTML.slice(0, 80))`

// markFocusableJS numbers the visible controls a keyboard must reach and
// returns how many there are. Controls inside a closed <details> count
// once it is opened; its summary is reached like any control.
const markFocusableJS = `(() => {
	const els = [...document.querySelectorAll("a[href],button:not([disabled]),input:not([type=hidden]):not([disabled]),select,textarea,summary")]
		.filter(el => el.getClientRects().length > 0)
		.filter(el => el.tagName === "SUMMARY" || !el.closest("details:not([open])")); // behind a closed disclosure until opened
	els.forEach((el, i) => el.dataset.kb = i);
	return els.length;
})()`

// TestBrowserKeyboardAndLabels: on every page of the UI each control has
// an accessible name, and Tab alone reaches every visible control.
func TestBrowserKeyboardAndLabels(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	file := st.upload(t, "report.txt", []byte("quarterly numbers"), "")
	q := st.makeRequest(t, `{"title":"Scans","message":"two\nlines","max_files":3}`)
	if res, _ := st.call(t, "PUT", "/r/"+q["token"].(string)+"/files/a.txt?from=Ann&note=hi", "", strings.NewReader("a")); res.StatusCode != 201 {
		t.Fatalf("upload to the request: %d", res.StatusCode)
	}
	st.makeAdmin(t, st.userID)
	st.newUser(t, "someone@example.com") // a row with buttons on /admin
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	history := "/shares/" + shareOf(file)["id"].(string) + "/downloads"
	paths := []string{"/files", "/shares", history, "/tokens", "/account", shareOf(file)["url"].(string)[len(st.url):],
		"/requests", "/requests/" + q["id"].(string), "/r/" + q["token"].(string), "/admin"}
	for _, path := range paths {
		do(t, ctx, "open "+path, chromedp.Navigate(st.url+path), chromedp.WaitVisible(chromedp.CSS("main")))
		checkKeyboard(t, ctx, path)
	}
	do(t, ctx, "open the link options", chromedp.Navigate(st.url+"/files"), chromedp.Click("details summary"))
	checkKeyboard(t, ctx, "/files with the link options open")
	do(t, ctx, "open a link's forms", chromedp.Navigate(st.url+"/shares"),
		chromedp.Click(".share-item details:has(.edit-share) summary"), chromedp.Click(".share-item details:has(.again-share) summary"))
	checkKeyboard(t, ctx, "/shares with a link's forms open")
}

// checkKeyboard checks the names of the current page's controls, then
// presses Tab until every visible control has had the focus, or fails.
func checkKeyboard(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if bad := eval[[]string](t, ctx, unlabelledJS); len(bad) > 0 {
		t.Errorf("%s: controls without a name: %q", page, bad)
	}
	n := eval[int](t, ctx, markFocusableJS)
	reached := map[string]bool{}
	for range 2*n + 4 { // Tab passes the skip link and the browser's own stops too
		do(t, ctx, "tab", chromedp.KeyEvent("\t"))
		if kb := eval[string](t, ctx, `document.activeElement.dataset.kb || ""`); kb != "" {
			reached[kb] = true
		}
	}
	if len(reached) < n {
		var left []string
		for _, m := range eval[[]string](t, ctx, `[...document.querySelectorAll("[data-kb]")].map(el => el.dataset.kb + " " + el.outerHTML.slice(0, 80))`) {
			if kb, _, _ := strings.Cut(m, " "); !reached[kb] {
				left = append(left, m)
			}
		}
		t.Errorf("%s: Tab reached %d of %d controls; not: %q", page, len(reached), n, left)
	}
}
