package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestBrowserEditShare edits a live link on the Shares page (limit,
// expiry, password), makes a second link to the same file and ends the
// first, as an owner in Chromium would; the recipient's side is checked
// over HTTP after each step.
func TestBrowserEditShare(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	file := st.upload(t, "plan.txt", []byte("the plan"), "?max_downloads=3")
	sh := shareOf(file)
	id, dl := sh["id"].(string), pathOf(t, sh["download_url"].(string))
	if code := st.fetch(t, dl); code != 200 {
		t.Fatalf("first download: %d", code)
	}
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	item := `li[data-id="` + id + `"]`
	do(t, ctx, "shares page", chromedp.Navigate(st.url+"/shares"), chromedp.WaitVisible(item))
	text := func(sel string) string {
		return eval[string](t, ctx, `document.querySelector('`+item+` `+sel+`').textContent.trim()`)
	}
	if d, r := text(".downloads"), text(".remaining"); d != "1 of 3" || r != "2" {
		t.Fatalf("before: downloads %q, remaining %q; want 1 of 3, 2", d, r)
	}
	screenshot(t, ctx, "shares")

	do(t, ctx, "edit the link",
		chromedp.Click(item+` details:has(form.edit-share) summary`),
		chromedp.WaitVisible(item+` form.edit-share input[name=max_downloads]`),
		chromedp.SetValue(item+` form.edit-share input[name=max_downloads]`, "5"),
		chromedp.SetValue(item+` form.edit-share select[name=expires_in]`, "3d"),
		chromedp.SendKeys(item+` form.edit-share input[name=password]`, "open sesame"),
		chromedp.Click(item+` form.edit-share button[type=submit]`),
	)
	waitFor(t, ctx, `location.pathname === "/shares" && document.querySelector('`+item+` .downloads') !== null && document.querySelector('`+item+` .downloads').textContent.trim() === "1 of 5"`)
	if r := text(".remaining"); r != "4" || !strings.Contains(text(".share-head"), "password") {
		t.Errorf("after the edit: remaining %q, head %q; want 4 and a password", r, text(".share-head"))
	}
	_, got := st.call(t, "GET", "/api/v1/shares/"+id, st.token, nil)
	if exp, _ := time.Parse(time.RFC3339, got["expires_at"].(string)); time.Until(exp) < 71*time.Hour || time.Until(exp) > 73*time.Hour || got["has_password"] != true {
		t.Errorf("after the edit the share is %v; want 3 days left and a password", got["_raw"])
	}
	if a, b := st.fetch(t, dl), st.fetch(t, dl, passwordHeader, "open sesame"); a != 401 || b != 200 {
		t.Errorf("recipient without and with the new password: %d, %d; want 401, 200", a, b)
	}
	screenshot(t, ctx, "shares-edited")

	do(t, ctx, "history", chromedp.Click(item+` a[href$="/downloads"]`), chromedp.WaitVisible(chromedp.CSS("#history-h")))
	if rows := eval[[]string](t, ctx, `[...document.querySelectorAll("tbody tr")].map(r => r.cells[1].textContent + " " + r.cells[3].textContent)`); len(rows) != 2 || rows[0] != "plan.txt whole" {
		t.Errorf("history rows %q; want the two whole downloads (the refused one sent nothing)", rows)
	}
	screenshot(t, ctx, "share-history")
	do(t, ctx, "back to shares", chromedp.Navigate(st.url+"/shares"), chromedp.WaitVisible(chromedp.CSS(item)))

	do(t, ctx, "new link for the same file",
		chromedp.Click(item+` details:has(form.again-share) summary`),
		chromedp.WaitVisible(item+` form.again-share input[name=max_downloads]`),
		chromedp.SetValue(item+` form.again-share input[name=max_downloads]`, "1"),
		chromedp.Click(item+` form.again-share button[type=submit]`),
	)
	waitFor(t, ctx, `location.pathname === "/shares" && document.querySelector("#done #share-link") !== null`)
	newLink := eval[string](t, ctx, `document.getElementById("share-link").value`)
	waitFor(t, ctx, `document.getElementById("share-qr").complete && document.getElementById("share-qr").naturalWidth > 0`)
	second := pathOf(t, newLink) + "/files/" + file["id"].(string)
	if a, b := st.fetch(t, second), st.fetch(t, second); a != 200 || b != 410 {
		t.Errorf("the new link's downloads: %d then %d; want 200 then 410 (its own limit of 1)", a, b)
	}

	do(t, ctx, "end the first link", chromedp.Click(item+` form.end-share button`))
	waitFor(t, ctx, `location.pathname === "/shares" && document.querySelector('`+item+`') === null`)
	if code := st.fetch(t, dl, passwordHeader, "open sesame"); code != 404 {
		t.Errorf("the ended link: %d, want 404", code)
	}
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(".share-item"))
	if n := eval[int](t, ctx, `document.querySelectorAll(".share-item").length`); n != 1 {
		t.Errorf("after a reload: %d links, want 1 (the form redirected, so no link was made twice)", n)
	}
}
