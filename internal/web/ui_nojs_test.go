package web

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

func TestBrowserSignup(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, func(s *Settings) { s.SignupEnabled = true })
	ctx := newBrowser(t)
	do(t, ctx, "sign-up page", chromedp.Navigate(st.url+"/login"), chromedp.Click(`a[href="/signup"]`),
		chromedp.WaitVisible(`form[action="/signup"]`))
	screenshot(t, ctx, "signup")
	for _, tt := range []struct{ email, password, says string }{
		{"owner@example.com", "a long enough password", "exists"},
		{"new@example.com", "short", "password"},
	} {
		do(t, ctx, "refused sign-up "+tt.email, chromedp.Navigate(st.url+"/signup"),
			chromedp.SendKeys("#email", tt.email), chromedp.SendKeys("#password", tt.password),
			chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(".alert"))
		if msg := eval[string](t, ctx, `document.querySelector(".alert").textContent`); !strings.Contains(msg, tt.says) {
			t.Errorf("sign-up as %s with %q says %q", tt.email, tt.password, msg)
		}
	}
	do(t, ctx, "sign up", chromedp.Navigate(st.url+"/signup"),
		chromedp.SendKeys("#email", "new@example.com"), chromedp.SendKeys("#password", "a long enough password"),
		chromedp.Click(`button[type=submit]`), chromedp.WaitVisible("#upload"))
	do(t, ctx, "account", chromedp.Navigate(st.url+"/account"), chromedp.WaitVisible("h1"))
	if who := eval[string](t, ctx, `document.querySelector("main strong").textContent`); who != "new@example.com" {
		t.Errorf("signed up, the account page is %s's", who)
	}
}

// withoutJS stops the page's own scripts in ctx's tab, as for a person who
// turned JavaScript off. The test's DevTools calls still run.
func withoutJS(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserWithoutJavaScript signs in, uploads two files with a share
// password through the plain form, and, in another browser, unlocks the
// link and downloads both, all with JavaScript off.
func TestBrowserWithoutJavaScript(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	ctx := newBrowser(t)
	withoutJS(t, ctx)
	signIn(t, ctx, st.url)
	// ferry.js drops the file input's required; still there, it did not run.
	if got, err := chromedp.Run(ctx, chromedp.AttributeValue("#file-input", "required")); err != nil || !got.Exists {
		t.Fatalf("ferry.js ran with JavaScript off (%v)", err)
	}

	contents := map[string][]byte{"notes.txt": []byte("plain form upload\n"), "data.bin": bytes.Repeat([]byte{7, 0, 255}, 40000)}
	do(t, ctx, "upload by form",
		chromedp.SetUploadFiles("#file-input", writeFiles(t, contents), chromedp.NodeReady),
		chromedp.Click(".opts summary"), chromedp.SendKeys(`#upload input[name=password]`, "open sesame"),
		chromedp.Click("#send"), chromedp.WaitVisible("#share-link"))
	screenshot(t, ctx, "files-nojs")
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	if !strings.HasPrefix(link, st.url+"/s/") || eval[string](t, ctx, `location.pathname`) != "/files" {
		t.Fatalf("after the form upload: at %s with link %q", eval[string](t, ctx, `location.href`), link)
	}
	waitFor(t, ctx, `document.getElementById("share-qr").complete && document.getElementById("share-qr").naturalWidth > 0`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#file-list tbody tr").length`); n != 2 {
		t.Errorf("the files page lists %d files", n)
	}
	do(t, ctx, "link shown once", chromedp.Reload(), chromedp.WaitVisible("#upload"))
	if eval[bool](t, ctx, `!document.getElementById("done").hidden`) {
		t.Error("the new link shows again on reload")
	}

	guest, downloads := guestBrowser(t)
	withoutJS(t, guest)
	do(t, guest, "locked", chromedp.Navigate(link), chromedp.WaitVisible("#password"))
	do(t, guest, "unlock", chromedp.SendKeys("#password", "open sesame"), chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(".file"))
	names := eval[[]string](t, guest, `[...document.querySelectorAll(".file .name")].map(n => n.textContent)`)
	if len(names) != 2 {
		t.Fatalf("the unlocked share lists %v", names)
	}
	for i, name := range names {
		do(t, guest, "download", chromedp.Click(fmt.Sprintf(`.file:nth-child(%d) a.btn`, i+1)))
		waitFile(t, downloads, name, contents[name])
	}
}
