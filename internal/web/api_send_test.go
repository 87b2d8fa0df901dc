package web

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/mail"
	"github.com/ferryhq/ferry/internal/testkit/mailtest"
)

// mailWorker gives st's sharing service a job inserter and mail, and runs
// a worker that mails through a real SMTP server, whose sink it returns.
func mailWorker(t *testing.T, st *stack) *mailtest.Sink {
	t.Helper()
	sink, smtpURL := mailtest.Start(t)
	sender, err := mail.New(smtpURL, "Ferry <ferry@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := jobs.NewInserter(st.services.DB, st.sharing.Log, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.sharing.Jobs, st.sharing.Settings.Mail = ins, true
	runWorker(t, st, jobs.Deps{Mail: sender, Settings: jobs.Settings{PublicURL: "https://ferry.example"}})
	return sink
}

// runWorker runs a worker on st's database and bucket, with what d adds
// (a mailer, a webhook sender, settings), until the test ends.
func runWorker(t *testing.T, st *stack, d jobs.Deps) {
	t.Helper()
	ctx := context.Background()
	d.DB, d.Bucket, d.Log = st.services.DB, st.services.Bucket, st.sharing.Log
	runner, err := jobs.NewRunner(&d, jobs.RunnerOptions{Concurrency: 2, ThumbnailConcurrency: 1, JobTimeout: time.Minute, RescueAfter: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = runner.Stop(stop)
	})
}

// waitMails waits until sink holds n messages and returns them all.
func waitMails(t *testing.T, sink *mailtest.Sink, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for sink.Count() < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if sink.Count() != n {
		t.Fatalf("%d mails, want %d:\n%s", sink.Count(), n, sink.All())
	}
	return sink.All()
}

// TestSendShareByMail: the owner of a password-protected link sends it to
// two addresses with a two-line message; each gets one mail over real
// SMTP with the link, the message kept to one line in the subject and
// escaped in the HTML part, and never the password.
func TestSendShareByMail(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	sink := mailWorker(t, st)
	sh := shareOf(st.upload(t, "report.pdf", []byte("%PDF-1.4 report"), "", passwordHeader, "open sesame"))
	body := `{"to":["ann@example.com","bob@example.org"],"message":"Here is <b>the report</b>\nBcc: evil@example.net"}`
	res, out := st.call(t, "POST", "/api/v1/shares/"+sh["id"].(string)+"/send", st.token, strings.NewReader(body))
	if res.StatusCode != 202 || out["status"] != "queued" {
		t.Fatalf("send: %d %v", res.StatusCode, out["_raw"])
	}
	all := waitMails(t, sink, 2)
	for _, to := range []string{"To: <ann@example.com>", "To: <bob@example.org>"} {
		if strings.Count(all, to) != 1 {
			t.Errorf("%q is in %d mails", to, strings.Count(all, to))
		}
	}
	link := "https://ferry.example/s/" + pathOf(t, sh["url"].(string))[len("/s/"):]
	for _, raw := range strings.Split(all, "\n----\n") {
		subject, header, msg := readMail(t, raw)
		if _, ok := header["Bcc"]; ok {
			t.Errorf("a header from the message: %v", header)
		}
		if subject != "owner@example.com sent you 1 file(s): Here is <b>the report</b> Bcc: evil@example.net" {
			t.Errorf("subject %q", subject)
		}
		if !strings.Contains(msg, link) || !strings.Contains(msg, "report.pdf") || !strings.Contains(msg, "ask owner@example.com for it") {
			t.Errorf("mail lacks the link, the file or the password note:\n%s", msg)
		}
		if !strings.Contains(msg, "&lt;b&gt;the report&lt;/b&gt;") || strings.Contains(msg, "<b>the report</b></blockquote>") {
			t.Errorf("message not escaped in HTML:\n%s", msg)
		}
		if strings.Contains(msg, "open sesame") {
			t.Errorf("the mail holds the password:\n%s", msg)
		}
	}
}

// readMail decodes a raw message: its subject, its header, and its
// parts' decoded text one after the other.
func readMail(t *testing.T, raw string) (string, netmail.Header, string) {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("read mail: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		text.Write(b)
	}
	return subject, m.Header, text.String()
}

// TestSendShareRefusals: every way a sending is refused, and nothing
// queued for any of them.
func TestSendShareRefusals(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	off := newStack(t, nil)
	st.sharing.Settings.Mail = true
	live := shareOf(st.upload(t, "a.txt", []byte("a"), ""))["id"].(string)
	spent := shareOf(st.upload(t, "b.txt", []byte("b"), "?max_downloads=1"))
	if code := st.fetch(t, pathOf(t, spent["download_url"].(string))); code != 200 {
		t.Fatalf("download: %d", code)
	}
	ended := spent["id"].(string)
	_, otherToken := st.newUser(t, "other@example.com")
	offShare := shareOf(off.upload(t, "c.txt", []byte("c"), ""))["id"].(string)
	eleven := `"a@x.example"` + strings.Repeat(`,"a@x.example"`, 10)
	tests := []struct {
		name      string
		st        *stack
		token, id string
		body      string
		status    int
		code      string
	}{
		{"mail off", off, off.token, offShare, `{"to":["ann@example.com"]}`, 409, "mail_not_configured"},
		{"no address", st, st.token, live, `{"to":[],"message":"hi"}`, 400, "invalid_field"},
		{"eleven addresses", st, st.token, live, `{"to":[` + eleven + `]}`, 400, "invalid_field"},
		{"display name", st, st.token, live, `{"to":["Ann <ann@example.com>"]}`, 400, "invalid_field"},
		{"header in address", st, st.token, live, `{"to":["ann@example.com\r\nBcc: x@y.example"]}`, 400, "invalid_field"},
		{"twice", st, st.token, live, `{"to":["ann@example.com","Ann@Example.com"]}`, 400, "invalid_field"},
		{"long message", st, st.token, live, `{"to":["ann@example.com"],"message":"` + strings.Repeat("x", 1001) + `"}`, 400, "invalid_field"},
		{"unknown field", st, st.token, live, `{"to":["ann@example.com"],"password":"x"}`, 400, "invalid_json"},
		{"another user's share", st, otherToken, live, `{"to":["ann@example.com"]}`, 404, "not_found"},
		{"no such share", st, st.token, "not-an-id", `{"to":["ann@example.com"]}`, 404, "not_found"},
		{"ended share", st, st.token, ended, `{"to":["ann@example.com"]}`, 410, "gone"},
		{"no token", st, "", live, `{"to":["ann@example.com"]}`, 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := tt.st.call(t, "POST", "/api/v1/shares/"+tt.id+"/send", tt.token, strings.NewReader(tt.body))
			if res.StatusCode != tt.status || errorCode(out) != tt.code {
				t.Errorf("%d %v, want %d %s", res.StatusCode, out["_raw"], tt.status, tt.code)
			}
		})
	}
}

// TestSendShareRateLimit: a user sends to 50 recipients an hour; a
// sending past what is left is refused whole, with Retry-After, and
// another user's allowance is their own.
func TestSendShareRateLimit(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	st.sharing.Settings.Mail = true
	id := shareOf(st.upload(t, "a.txt", []byte("a"), ""))["id"].(string)
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = `"r` + strconv.Itoa(i) + `@example.com"`
	}
	send := func(token, id string, to []string) (int, map[string]any, string) {
		res, out := st.call(t, "POST", "/api/v1/shares/"+id+"/send", token, strings.NewReader(`{"to":[`+strings.Join(to, ",")+`]}`))
		return res.StatusCode, out, res.Header.Get("Retry-After")
	}
	for i := range 4 {
		if code, out, _ := send(st.token, id, ten); code != 202 {
			t.Fatalf("sending %d: %d %v", i, code, out["_raw"])
		}
	}
	if code, out, _ := send(st.token, id, ten[:9]); code != 202 {
		t.Fatalf("49 recipients: %d %v", code, out["_raw"])
	}
	if code, out, retry := send(st.token, id, ten[:2]); code != 429 || errorCode(out) != "rate_limited" || retry == "" {
		t.Errorf("past 50 recipients: %d %v, Retry-After %q", code, out["_raw"], retry)
	}
	if code, out, _ := send(st.token, id, ten[:1]); code != 202 {
		t.Errorf("the 50th recipient: %d %v", code, out["_raw"])
	}
	otherID, otherToken := st.newUser(t, "other@example.com")
	_ = otherID
	other := shareOf(func() map[string]any {
		res, out := st.call(t, "PUT", "/api/v1/files/o.txt", otherToken, strings.NewReader("o"))
		if res.StatusCode != 201 {
			t.Fatalf("other upload: %d", res.StatusCode)
		}
		return out
	}())["id"].(string)
	if code, out, _ := send(otherToken, other, ten); code != 202 {
		t.Errorf("another user's first sending: %d %v", code, out["_raw"])
	}
}
