package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferryhq/ferry/internal/testkit/leakcheck"
)

// suite holds every log line the server wrote in this package's tests and
// every secret that passed through it; TestMain fails the run if a log
// holds a secret.
var suite leakcheck.Suite

// recordSecrets notes, as the test server sees them, the secrets each
// request and response carries: bearer tokens, cookies, share passwords,
// account passwords and the tokens the API hands out.
func recordSecrets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		suite.Secret("bearer token", strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		suite.Secret("share password", r.Header.Get(passwordHeader))
		for _, c := range r.Cookies() {
			suite.Secret("cookie", c.Value)
		}
		if r.ContentLength > 0 && r.ContentLength < 64<<10 {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			recordBody("password", body)
		}
		rec := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
			suite.Secret("cookie", c.Value)
		}
		recordBody("token", rec.body.Bytes())
		recordBody("secret", rec.body.Bytes()) // a webhook's whsec_ signing secret
	})
}

// recordBody notes the string fields named key in a JSON or form body.
func recordBody(key string, body []byte) {
	var v any
	if json.Unmarshal(body, &v) == nil {
		walk(v, key)
		return
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		suite.Secret(key, form.Get(key))
	}
}

func walk(v any, key string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == key {
				suite.Secret(key, s)
			}
			walk(x, key)
		}
	case []any:
		for _, x := range v {
			walk(x, key)
		}
	}
}

// teeWriter keeps the first 64 KiB of a response body.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if w.body.Len() < 64<<10 {
		w.body.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
