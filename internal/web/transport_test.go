package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestTransportHeaders checks, over https and http, that HSTS is on every
// response only when PUBLIC_URL is https, that every response under /s/
// says not to index it, and that the session cookie has the name the
// scheme calls for.
func TestTransportHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, publicURL, hsts, cookie string
	}{
		{"https", "https://ferry.example", "max-age=31536000; includeSubDomains", "__Host-ferry_session"},
		{"http", "http://localhost:3000", "", "ferry_session"},
	}
	for _, tc := range tests {
		t.Run(tc.scheme, func(t *testing.T) {
			t.Parallel()
			st := newStack(t, func(s *Settings) { s.PublicURL = tc.publicURL })
			file := st.upload(t, "a.txt", []byte("hello"), "")
			share := pathOf(t, shareOf(file)["url"].(string))
			paths := []struct {
				method, path string
				robots       bool
			}{
				{"GET", "/health", false},
				{"GET", "/login", false},
				{"GET", "/api/v1/me", false},
				{"GET", "/api/v1/nowhere", false},
				{"GET", share, true},
				{"GET", share + "/zip", true},
				{"GET", share + "/qr.svg", true},
				{"GET", "/shares", false},
				{"HEAD", pathOf(t, shareOf(file)["download_url"].(string)), true},
				{"GET", "/s/unknown-token", true},
				{"POST", share + "/unlock", true},
			}
			for _, p := range paths {
				res, _ := st.call(t, p.method, p.path, st.token, nil)
				if got := res.Header.Get("Strict-Transport-Security"); got != tc.hsts {
					t.Errorf("%s %s: Strict-Transport-Security %q, want %q", p.method, p.path, got, tc.hsts)
				}
				want := ""
				if p.robots {
					want = "noindex, nofollow"
				}
				if got := res.Header.Get("X-Robots-Tag"); got != want {
					t.Errorf("%s %s: X-Robots-Tag %q, want %q", p.method, p.path, got, want)
				}
			}
			res, _ := st.call(t, "POST", "/api/v1/login", "", strings.NewReader(`{"email":"owner@example.com","password":"correct horse battery"}`))
			var names []string
			for _, c := range res.Cookies() {
				names = append(names, c.Name)
			}
			if res.StatusCode != http.StatusOK || len(names) != 1 || names[0] != tc.cookie {
				t.Errorf("login: %d, cookies %v, want one named %s", res.StatusCode, names, tc.cookie)
			}
		})
	}
}
