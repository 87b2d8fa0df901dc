package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/qrsvg"
)

// TestQRCode: /s/{token}/qr.svg is the link drawn by qrsvg, under the
// share page's liveness rules, and the share page shows it.
func TestQRCode(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	open := shareOf(st.upload(t, "a.txt", []byte("a"), ""))
	locked := shareOf(st.upload(t, "b.txt", []byte("b"), "", passwordHeader, "open sesame"))
	expired := shareOf(st.upload(t, "c.txt", []byte("c"), ""))
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE shares SET expires_at = now() - interval '1 minute' WHERE id = $1", expired["id"]); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(st.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	for _, tt := range []struct {
		name  string
		share map[string]any
		want  int
	}{
		{"open", open, 200},
		{"password: the code holds only the link", locked, 200},
		{"expired", expired, 410},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(pathOf(t, tt.share["url"].(string)) + "/qr.svg")
			if res.StatusCode != tt.want || res.Header.Get("X-Robots-Tag") == "" || !strings.Contains(res.Header.Get("X-Robots-Tag"), "noindex") {
				t.Fatalf("%d, X-Robots-Tag %q; want %d and noindex", res.StatusCode, res.Header.Get("X-Robots-Tag"), tt.want)
			}
			if tt.want != 200 {
				return
			}
			want, err := qrsvg.SVG(tt.share["url"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if res.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Equal(body, want) {
				t.Errorf("%s: %d bytes; want qrsvg's drawing of %s", res.Header.Get("Content-Type"), len(body), tt.share["url"])
			}
		})
	}
	if res, _ := get("/s/no-such-token/qr.svg"); res.StatusCode != 404 {
		t.Errorf("unknown token: %d, want 404", res.StatusCode)
	}
	if res, _ := st.call(t, "DELETE", "/api/v1/shares/"+open["id"].(string), st.token, nil); res.StatusCode != 204 {
		t.Fatalf("delete share: %d", res.StatusCode)
	}
	if res, _ := get(pathOf(t, open["url"].(string)) + "/qr.svg"); res.StatusCode != 404 {
		t.Errorf("deleted share: %d, want 404", res.StatusCode)
	}
	page := pathOf(t, locked["url"].(string))
	req, _ := http.NewRequest("GET", st.url+page, nil)
	req.Header.Set(passwordHeader, "open sesame")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if !strings.Contains(string(body), `src="`+page+`/qr.svg"`) {
		t.Errorf("the share page shows no QR code of its link")
	}
}

func TestQRPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://ferry.example/s/abc":  "/s/abc/qr.svg",
		"http://localhost:3000/s/a-_Z": "/s/a-_Z/qr.svg",
		"":                             "",
		"https://ferry.example/s/":     "",
		"https://ferry.example/s/a/b":  "",
		"https://ferry.example/files":  "",
	} {
		if got := qrPath(in); got != want {
			t.Errorf("qrPath(%q) = %q, want %q", in, got, want)
		}
	}
}
