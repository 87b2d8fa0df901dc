package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestBrowserShareReceivedOn: a guest sends two files through a request
// from its page; the owner ticks one on the request's page, makes a link
// with a download limit and a password, lands on the Shares page showing
// it, and mails it to a recipient from there, who gets the link over
// real SMTP and not the password. The link serves the ticked file only.
func TestBrowserShareReceivedOn(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	sink := mailWorker(t, st)
	q := st.makeRequest(t, `{"title":"Scans","max_files":2,"notify":false}`)
	guest, _ := guestBrowser(t)
	withoutJS(t, guest)
	paths := writeFiles(t, map[string][]byte{"keep.txt": []byte("kept back"), "pass.txt": []byte("passed on")})
	do(t, guest, "send two files through the request",
		chromedp.Navigate(st.url+"/r/"+q["token"].(string)),
		chromedp.SendKeys(`input[name="from"]`, "Ann"),
		chromedp.SetUploadFiles("#file-input", paths, chromedp.NodeReady),
		chromedp.Click("#send"),
		chromedp.WaitVisible("#sent"),
	)

	owner := newBrowser(t)
	signIn(t, owner, st.url)
	do(t, owner, "the request's page", chromedp.Navigate(st.url+"/requests/"+q["id"].(string)), chromedp.WaitVisible("#share-on"))
	do(t, owner, "make a link with nothing ticked", chromedp.Click(`#share-on button[type=submit]`), chromedp.WaitVisible("#received .alert"))
	if msg := eval[string](t, owner, `document.querySelector("#received .alert").textContent`); !strings.Contains(msg, "tick at least one file") {
		t.Errorf("nothing ticked: the page says %q", msg)
	}
	pick := eval[string](t, owner, `[...document.querySelectorAll("#received tbody tr")].find(r => r.textContent.includes("pass.txt")).dataset.id`)
	do(t, owner, "tick one and make a link",
		chromedp.Click(`#share-on input[value="`+pick+`"]`),
		chromedp.SetValue(`#share-on input[name=max_downloads]`, "2"),
		chromedp.SendKeys(`#share-on input[name=password]`, "open sesame"),
		chromedp.Click(`#share-on button[type=submit]`),
		chromedp.WaitVisible("#share-link"),
	)
	screenshot(t, owner, "request-shared-on")
	if p := eval[string](t, owner, `location.pathname`); p != "/shares" {
		t.Errorf("after making the link the browser is at %q", p)
	}
	link := eval[string](t, owner, `document.getElementById("share-link").value`)
	_, list := st.call(t, "GET", "/api/v1/shares", st.token, nil)
	shares := list["shares"].([]any)
	sh := shares[0].(map[string]any)
	if len(shares) != 1 || sh["url"] != link || sh["max_downloads"] != 2.0 || sh["has_password"] != true ||
		len(sh["file_ids"].([]any)) != 1 || sh["file_ids"].([]any)[0] != pick {
		t.Fatalf("shares after the form: %v", list["_raw"])
	}
	dl := pathOf(t, link) + "/files/" + pick
	if a, b := st.fetch(t, dl), st.fetch(t, dl, passwordHeader, "open sesame"); a != 401 || b != 200 {
		t.Errorf("the new link without and with its password: %d, %d; want 401, 200", a, b)
	}

	item := `li[data-id="` + sh["id"].(string) + `"]`
	do(t, owner, "send it by mail",
		chromedp.Click(item+` details:has(form.send-share) summary`),
		chromedp.WaitVisible(item+` form.send-share textarea[name=to]`),
		chromedp.SendKeys(item+` form.send-share textarea[name=to]`, "bob@example.org"),
		chromedp.SendKeys(item+` form.send-share textarea[name=message]`, "Ann's scan <3"),
		chromedp.Click(item+` form.send-share button[type=submit]`),
		chromedp.WaitVisible("#sent"),
	)
	screenshot(t, owner, "share-sent")
	if got := eval[string](t, owner, `document.getElementById("sent").textContent`); !strings.Contains(got, "bob@example.org") {
		t.Errorf("the page says %q", got)
	}
	subject, _, msg := readMail(t, waitMails(t, sink, 1))
	if subject != "owner@example.com sent you 1 file(s): Ann's scan <3" || !strings.Contains(msg, "/s/"+strings.TrimPrefix(pathOf(t, link), "/s/")) ||
		!strings.Contains(msg, "pass.txt") || strings.Contains(msg, "keep.txt") || strings.Contains(msg, "open sesame") {
		t.Errorf("the mail: %q\n%s", subject, msg)
	}
}
