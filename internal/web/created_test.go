package web

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCurlAnswers checks what a curl user meets: the share link alone on
// one line when asked for, Location on every 201, unknown parameters
// named, and 401s that say what is wrong with the token.
func TestCurlAnswers(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	put := func(t *testing.T, query string, headers ...string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("PUT", st.url+"/api/v1/files/a.txt"+query, strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+st.token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	tests := []struct {
		name, query string
		headers     []string
		plain       bool
	}{
		{"format=url", "?format=url&expires_in=1d", nil, true},
		{"Accept: text/plain", "", []string{"Accept", "text/plain"}, true},
		{"curl's Accept", "", []string{"Accept", "*/*"}, false},
		{"JSON wins", "", []string{"Accept", "application/json, text/plain;q=0.5"}, false},
		{"format=json beats Accept", "?format=json", []string{"Accept", "text/plain"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := put(t, tt.query, tt.headers...)
			if res.StatusCode != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/files/") {
				t.Fatalf("%d, Location %q: %s", res.StatusCode, res.Header.Get("Location"), body)
			}
			isPlain := strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain")
			if isPlain != tt.plain {
				t.Fatalf("Content-Type %q, want plain %v", res.Header.Get("Content-Type"), tt.plain)
			}
			if !tt.plain {
				return
			}
			link, ok := strings.CutSuffix(body, "\n")
			if !ok || strings.Contains(link, "\n") || !strings.HasPrefix(link, st.url+"/s/") {
				t.Fatalf("body %q, want the share URL alone on one line", body)
			}
			if got, _ := st.call(t, "GET", pathOf(t, link), "", nil, "Accept", "application/json"); got.StatusCode != 200 {
				t.Errorf("the printed link answers %d", got.StatusCode)
			}
		})
	}

	t.Run("multipart", func(t *testing.T) {
		var body bytes.Buffer
		body.WriteString("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.txt\"\r\n\r\nhi\r\n--b--\r\n")
		res, out := st.call(t, "POST", "/api/v1/files?format=url", st.token, &body, "Content-Type", "multipart/form-data; boundary=b")
		link := strings.TrimSuffix(out["_raw"].(string), "\n")
		if res.StatusCode != 201 || res.Header.Get("Location") != link || !strings.HasPrefix(link, st.url+"/s/") {
			t.Errorf("%d Location %q body %q", res.StatusCode, res.Header.Get("Location"), out["_raw"])
		}
	})
	t.Run("unknown parameters are named", func(t *testing.T) {
		res, out := st.call(t, "PUT", "/api/v1/files/a.txt?max_download=3&expire=1d", st.token, strings.NewReader("x"))
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if res.StatusCode != 400 || errorCode(out) != "unknown_parameter" || !strings.Contains(msg, "expire, max_download;") {
			t.Errorf("%d %v", res.StatusCode, out["_raw"])
		}
	})
	t.Run("token failures", func(t *testing.T) {
		for _, tc := range []struct{ auth, code string }{
			{"", "unauthorized"},
			{"Basic dXNlcjpwdw==", "malformed_token"},
			{"Bearer ferry_short", "malformed_token"},
			{"Bearer ferry_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid_token"},
		} {
			res, out := st.call(t, "PUT", "/api/v1/files/a.txt", "", strings.NewReader("x"), "Authorization", tc.auth)
			if res.StatusCode != 401 || errorCode(out) != tc.code || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer realm=") {
				t.Errorf("%q: %d %s, WWW-Authenticate %q; want 401 %s", tc.auth, res.StatusCode, errorCode(out), res.Header.Get("WWW-Authenticate"), tc.code)
			}
		}
	})
	t.Run("413 names the limit", func(t *testing.T) {
		res, out := st.call(t, "PUT", "/api/v1/files/big.bin", st.token, bytes.NewReader(make([]byte, 2<<20)))
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if res.StatusCode != 413 || !strings.Contains(msg, "MAX_UPLOAD_SIZE (1 MiB)") {
			t.Errorf("%d %q", res.StatusCode, msg)
		}
	})
}

// FuzzWantsURL feeds wantsURL and knownParams any query and Accept
// header: neither panics, ?format=url always asks for the link, and an
// answer that refuses a query names a parameter.
func FuzzWantsURL(f *testing.F) {
	for _, seed := range [][2]string{
		{"format=url", ""}, {"", "text/plain"}, {"", "*/*"}, {"format=json", "text/plain"},
		{"max_download=3", "application/json, text/plain;q=0.5"}, {"format=", "text/plain;;;"}, {"%zz", "\x00"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, query, accept string) {
		r, err := http.NewRequest("PUT", "http://x/api/v1/files/a?"+query, nil)
		if err != nil {
			return
		}
		r.Header.Set("Accept", accept)
		asURL, err := wantsURL(r)
		if r.URL.Query().Get("format") == "url" && (!asURL || err != nil) {
			t.Errorf("format=url gave %v, %v", asURL, err)
		}
		if err := knownParams(r, putFileParams); err != nil && !strings.Contains(err.Error(), "unknown query parameter ") {
			t.Errorf("refusal %v names no parameter", err)
		}
	})
}
