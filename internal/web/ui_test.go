package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
)

const hostile = `<script>alert("x")</script>'&"><img src=x onerror=alert(1)>.txt`

// TestTemplatesEscapeFileNames renders every page that shows a name a user
// chose with a hostile one, and finds it only escaped.
func TestTemplatesEscapeFileNames(t *testing.T) {
	sh := share.Share{Token: "tok", ExpiresAt: time.Now().Add(time.Hour), MaxDownloads: 3}
	url := shareJSON{URL: "http://x/s/tok?" + hostile}
	pagesData := map[string]any{
		"share":  map[string]any{"Share": sh, "Token": "tok", "Files": []share.File{{ID: "a", Name: hostile}, {ID: "b", Name: hostile, ThumbKey: "k"}}},
		"files":  map[string]any{"Files": []fileRow{{File: files.File{ID: "a", Name: hostile}, Share: &url}}},
		"tokens": map[string]any{"Tokens": []account.Token{{ID: "a", Name: hostile}}, "New": &account.Token{Name: hostile}, "Secret": hostile},
		"login":  loginView{Email: hostile, Next: hostile, Message: hostile},
		"error":  map[string]string{"Title": hostile, "Message": hostile},
		"locked": map[string]any{"Token": hostile, "Message": hostile},
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
	for _, name := range []string{"ferry.css", "ferry.js"} {
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
