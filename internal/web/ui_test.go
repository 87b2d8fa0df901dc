package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
)

const hostile = `<script>alert("x")</script>'&"><img src=x onerror=alert(1)>.txt`

// TestTemplatesEscapeFileNames renders every page that shows a name a user
// chose with a hostile one, and finds it only escaped.
func TestTemplatesEscapeFileNames(t *testing.T) {
	sh := share.Share{Token: "tok", ExpiresAt: time.Now().Add(time.Hour), MaxDownloads: 3}
	url := shareJSON{URL: "http://x/s/tok?" + hostile}
	pagesData := map[string]any{
		"share":   map[string]any{"Share": sh, "Token": "tok", "Files": []files.File{{ID: "a", Name: hostile}, {ID: "b", Name: hostile, ThumbKey: "k"}}},
		"files":   map[string]any{"Files": []fileRow{{File: files.File{ID: "a", Name: hostile}, Share: &url}}, "NewLink": "http://x/s/tok?" + hostile},
		"tokens":  map[string]any{"Tokens": []account.Token{{ID: "a", Name: hostile}}, "New": &account.Token{Name: hostile}, "Secret": hostile},
		"login":   loginView{Email: hostile, Next: hostile, Message: hostile},
		"error":   map[string]string{"Title": hostile, "Message": hostile},
		"locked":  map[string]any{"Token": hostile, "Message": hostile},
		"history": historyView{Share: listedShareJSON{Files: []sharedFileJSON{{ID: "a", Name: hostile}}}, Events: []historyRow{{Event: share.Event{FileID: "a", FileName: hostile}}}},
		"shares":  sharesView{Shares: []shareItem{{listedShareJSON: listedShareJSON{shareJSON: url, Files: []sharedFileJSON{{ID: "a", Name: hostile}}}, Live: true}}, NewLink: url.URL, Problem: hostile},
	}
	for name, data := range pagesData {
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := buf.String()
		for _, raw := range []string{"<script>alert", "<img src=x", `"><img`} {
			if strings.Contains(out, raw) {
				t.Errorf("%s page holds unescaped %q", name, raw)
			}
		}
		if !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s page does not show the escaped name", name)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "/files",
		"/tokens":             "/tokens",
		"/files?x=1":          "/files?x=1",
		"//evil.example":      "/files",
		"/\\evil.example":     "/files",
		"https://evil.test/":  "/files",
		"javascript:alert(1)": "/files",
		"files":               "/files",
		"/\r\nLocation: x":    "/files",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPageHeaders checks the security headers, gzip and the year-long
// caching of hashed assets.
func TestPageHeaders(t *testing.T) {
	ts := newTestServer(t, io.Discard)
	req, _ := http.NewRequest("GET", ts.URL+"/login?next=//evil", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if res.Header.Get("Referrer-Policy") == "" || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if strings.Contains(string(body), "//evil") || !strings.Contains(string(body), `name="next" value="/files"`) {
		t.Errorf("login page keeps an off-site next: %s", body)
	}
	for _, name := range []string{"ferry.css", "ferry.js", "tus.js"} {
		res, err := http.Get(ts.URL + assetURL(name))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: %d %q", assetURL(name), res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	res, err = http.Get(ts.URL + "/assets/ferry.css")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unhashed asset name answers %d", res.StatusCode)
	}
}

// browserSession signs in through the form and returns a client holding
// the session cookie; the Origin header makes it look like a browser.
func browserSession(t *testing.T, st *stack, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(st.url+"/login", url.Values{"email": {"owner@example.com"}, "password": {password}, "next": {"/account"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/account" {
		t.Fatalf("sign in ended at %s (%d)", res.Request.URL, res.StatusCode)
	}
	return c
}

func status(t *testing.T, c *http.Client, method, u string, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestSignOutEverywhere(t *testing.T) {
	st := newStack(t, nil)
	a, b := browserSession(t, st, "correct horse battery"), browserSession(t, st, "correct horse battery")
	if got := status(t, b, "GET", st.url+"/api/v1/me", ""); got != 200 {
		t.Fatalf("second browser: %d", got)
	}
	if got := status(t, a, "POST", st.url+"/api/v1/me/sessions/revoke", ""); got != 204 {
		t.Fatalf("revoke: %d", got)
	}
	for name, c := range map[string]*http.Client{"asking": a, "other": b} {
		if got := status(t, c, "GET", st.url+"/api/v1/me", ""); got != 401 {
			t.Errorf("%s browser after sign out everywhere: %d", name, got)
		}
	}
	// Tokens are not sessions; a fresh sign-in works again.
	if res, _ := st.call(t, "GET", "/api/v1/me", st.token, nil); res.StatusCode != 200 {
		t.Errorf("token after sign out everywhere: %d", res.StatusCode)
	}
	c := browserSession(t, st, "correct horse battery")
	if got := status(t, c, "GET", st.url+"/api/v1/me", ""); got != 200 {
		t.Errorf("new sign-in: %d", got)
	}
}

func TestChangePassword(t *testing.T) {
	st := newStack(t, nil)
	a, b := browserSession(t, st, "correct horse battery"), browserSession(t, st, "correct horse battery")
	if got := status(t, a, "POST", st.url+"/api/v1/me/password", `{"current_password":"wrong one here","new_password":"a new long password"}`); got != 401 {
		t.Errorf("wrong current password: %d", got)
	}
	if got := status(t, a, "POST", st.url+"/api/v1/me/password", `{"current_password":"correct horse battery","new_password":"short"}`); got != 400 {
		t.Errorf("weak new password: %d", got)
	}
	if got := status(t, a, "POST", st.url+"/api/v1/me/password", `{"current_password":"correct horse battery","new_password":"a new long password"}`); got != 204 {
		t.Fatalf("change: %d", got)
	}
	if got := status(t, a, "GET", st.url+"/api/v1/me", ""); got != 200 {
		t.Errorf("the asking browser stays signed in: %d", got)
	}
	if got := status(t, b, "GET", st.url+"/api/v1/me", ""); got != 401 {
		t.Errorf("the other browser is signed out: %d", got)
	}
	browserSession(t, st, "a new long password")
	// Another user's session changes only its own password.
	st.newUser(t, "other@example.com")
	if _, err := account.CheckPassword(context.Background(), st.services.DB, "other@example.com", "correct horse battery"); err != nil {
		t.Errorf("other user's password: %v", err)
	}
}

// formUpload posts a file as the upload form does without JavaScript, as
// the browser c, and returns the answer without following a redirect.
func formUpload(t *testing.T, c *http.Client, st *stack, name string, body []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(body)
	for _, k := range []string{"expires_in", "max_downloads", "password"} {
		_ = mw.WriteField(k, "") // empty, as an untouched form sends them
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", st.url+"/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	once := *c
	once.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := once.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res, string(page)
}

// stackTooLarge is the 413 of an upload past the test stack's 1 MiB
// MAX_UPLOAD_SIZE.
var stackTooLarge = limitError(&sharing.LimitError{Err: sharing.ErrTooLarge, Limit: 1 << 20})

// TestUploadForm checks the upload form's answers without JavaScript:
// pages and redirects, never the API's JSON.
func TestUploadForm(t *testing.T) {
	st := newStack(t, nil)
	if res, _ := formUpload(t, &http.Client{}, st, "a.txt", []byte("hi")); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Ffiles" {
		t.Errorf("signed out: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	c := browserSession(t, st, "correct horse battery")
	res, page := formUpload(t, c, st, "big.bin", make([]byte, 2<<20))
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, sentence(stackTooLarge.Message)) {
		t.Errorf("too large: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), page)
	}
	res, _ = formUpload(t, c, st, "a.txt", []byte("hi"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/files" {
		t.Fatalf("upload: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, list := st.call(t, "GET", "/api/v1/files", st.token, nil)
	link := list["files"].([]any)[0].(map[string]any)["share"].(map[string]any)["url"].(string)
	for i, want := range []bool{true, false} { // shown once, then gone
		res, err := c.Get(st.url + "/files")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if shown := strings.Contains(string(page), `id="share-link" readonly value="`+link+`"`); shown != want {
			t.Errorf("files page view %d shows the new link: %v, want %v", i+1, shown, want)
		}
	}
	// A link not yet shown is not shown to whoever signs in next in the
	// same browser.
	if res, _ = formUpload(t, c, st, "b.txt", []byte("hi")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second upload: %d", res.StatusCode)
	}
	res, err := c.PostForm(st.url+"/login", url.Values{"email": {"owner@example.com"}, "password": {"correct horse battery"}, "next": {"/account"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(st.url + "/files")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(after), `id="share-link" readonly value="http`) {
		t.Error("a link left in the session is shown after the next sign-in")
	}
}
