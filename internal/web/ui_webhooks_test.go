package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/webhook"
)

// signedReceiver keeps the requests it gets, with whether each verifies
// against the secret it is given (Standard Webhooks: HMAC-SHA256 of
// "id.timestamp.body" with the key after whsec_).
type signedReceiver struct {
	mu     sync.Mutex
	secret string
	types  []string
	valid  []bool
}

func (rc *signedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(rc.secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	rc.valid = append(rc.valid, hmac.Equal([]byte(r.Header.Get("webhook-signature")), []byte(want)))
	rc.types = append(rc.types, string(body))
	w.WriteHeader(http.StatusNoContent)
}

// webhookWorker gives st's sharing service a job inserter and runs a
// worker that delivers webhooks, private addresses allowed (the receiver
// is on loopback).
func webhookWorker(t *testing.T, st *stack) {
	t.Helper()
	ins, err := jobs.NewInserter(st.services.DB, st.sharing.Log, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.sharing.Jobs = ins
	st.sharing.Webhooks = webhook.Guard{AllowPrivate: true}
	sender := webhook.NewSender(webhook.Guard{AllowPrivate: true}, 5*time.Second)
	t.Cleanup(sender.Close) // after the worker stops: cleanups run last first
	runWorker(t, st, jobs.Deps{Webhooks: sender})
}

// TestBrowserWebhooks: on the account page a person adds a webhook, sees
// its secret once, sends a test event, which a real receiver gets signed
// with that secret, sees the attempt in the delivery log, and deletes it.
func TestBrowserWebhooks(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	webhookWorker(t, st)
	rc := &signedReceiver{}
	recv := httptest.NewServer(rc)
	t.Cleanup(recv.Close)
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)

	do(t, ctx, "account page", chromedp.Navigate(st.url+"/account"), chromedp.WaitVisible("#webhook-url"))
	do(t, ctx, "add a webhook",
		chromedp.SendKeys("#webhook-url", recv.URL+"/ferry"),
		chromedp.Click(`#webhooks button[type=submit].primary`),
		chromedp.WaitVisible("#webhook-secret"),
	)
	secret := eval[string](t, ctx, `document.querySelector("#webhook-secret").value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q", secret)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	if n := eval[int](t, ctx, `document.querySelectorAll("#webhooks li.webhook").length`); n != 1 {
		t.Fatalf("%d webhooks listed", n)
	}
	screenshot(t, ctx, "account-webhook-created")

	do(t, ctx, "send a test event", chromedp.Click(`#webhooks li.webhook form[action$="/test"] button`), chromedp.WaitVisible(`#webhook-done`))
	if eval[bool](t, ctx, `document.querySelector("#webhook-secret") !== null`) {
		t.Error("the secret is shown again after the first page")
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		do(t, ctx, "reload", chromedp.Navigate(st.url+"/account#webhooks"), chromedp.WaitVisible("#webhook-url"))
		if eval[int](t, ctx, `document.querySelectorAll("#webhooks tr.delivery.ok").length`) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test event never appeared in the delivery log")
		}
	}
	if got := eval[string](t, ctx, `document.querySelector("#webhooks tr.delivery td.status").textContent`); got != "204" {
		t.Errorf("logged answer %q, want 204", got)
	}
	rc.mu.Lock()
	if len(rc.valid) != 1 || !rc.valid[0] || !strings.Contains(rc.types[0], `"type":"webhook.test"`) {
		t.Errorf("receiver got %q, valid %v", rc.types, rc.valid)
	}
	rc.mu.Unlock()
	screenshot(t, ctx, "account-webhook-delivered")

	do(t, ctx, "delete", chromedp.Click(`#webhooks li.webhook form[action$="/delete"] button`), chromedp.WaitVisible("#webhook-url"))
	waitFor(t, ctx, `document.querySelectorAll("#webhooks li.webhook").length === 0`)
	if n := st.rowCount(t, "webhooks"); n != 0 {
		t.Errorf("%d webhooks left", n)
	}
}

// TestWebhookUploadEndToEnd: a webhook made through the API gets, from a
// real worker, a signed file.uploaded for a file uploaded with curl's
// PUT, naming the file and its share link.
func TestWebhookUploadEndToEnd(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	webhookWorker(t, st)
	st.sharing.Settings.PublicURL = st.url
	rc := &signedReceiver{}
	recv := httptest.NewServer(rc)
	t.Cleanup(recv.Close)
	_, body := st.call(t, "POST", "/api/v1/webhooks", st.token,
		strings.NewReader(`{"url":"`+recv.URL+`/in","events":["file.uploaded"]}`))
	secret, _ := body["secret"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	file := st.upload(t, "notes.txt", []byte("some notes"), "")
	link := shareOf(file)["url"].(string)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rc.mu.Lock()
		n := len(rc.valid)
		rc.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("file.uploaded never arrived")
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.valid) != 1 || !rc.valid[0] {
		t.Fatalf("deliveries valid %v", rc.valid)
	}
	got := rc.types[0]
	if !strings.Contains(got, `"type":"file.uploaded"`) || !strings.Contains(got, `"name":"notes.txt"`) || !strings.Contains(got, file["id"].(string)) ||
		!strings.Contains(got, `"share_url":"`+link+`"`) {
		t.Errorf("body %s", got)
	}
}

// TestWebhookForms: the account page's forms without JavaScript: a
// refused URL or no event ticked is a 400 page saying why, with the URL
// kept in the field; a good one shows its secret once, then only its URL.
func TestWebhookForms(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	c := browserSession(t, st, "correct horse battery")
	post := func(form url.Values) (int, string) {
		t.Helper()
		res, err := c.PostForm(st.url+"/account/webhooks", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, html.UnescapeString(string(b))
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"private", url.Values{"url": {"http://192.168.1.10/hook"}, "events": {"file.uploaded"}}, "private, loopback or link-local"},
		{"no event", url.Values{"url": {"https://93.184.216.34/hook"}}, "events must be some of"},
		{"not a URL", url.Values{"url": {"hooks"}, "events": {"file.uploaded"}}, "the webhook url must be an absolute http or https url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := post(tc.form)
			if code != http.StatusBadRequest || !strings.Contains(strings.ToLower(page), tc.want) || !strings.Contains(page, `value="`+tc.form.Get("url")+`"`) {
				t.Errorf("%d, page without %q or the URL: %s", code, tc.want, regexp.MustCompile(`<p class="alert"[^<]*`).FindString(page))
			}
		})
	}
	code, page := post(url.Values{"url": {"https://93.184.216.34/hook"}, "events": {"share.expired", "share.downloaded"}})
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/]{43}=`).FindString(page)
	if code != http.StatusOK || secret == "" {
		t.Fatalf("create: %d, secret %q", code, secret)
	}
	res, err := c.Get(st.url + "/account")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "whsec_") || !strings.Contains(string(b), "https://93.184.216.34/hook") {
		t.Error("the account page shows the secret again, or not the webhook")
	}
}
