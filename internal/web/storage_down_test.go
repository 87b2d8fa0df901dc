package web

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/faultproxy"
)

// outage is an S3 API server's failure, switched on and off by a test.
type outage struct{ mode atomic.Value } // "" (up), "refuse" or "5xx"

func (o *outage) set(mode string) { o.mode.Store(mode) }

// wrap fails every request while the outage is on: a connection closed
// without an answer, as a store that went away, or the 503 SlowDown of a
// store that is overloaded (which the SDK retries, then gives up on).
func (o *outage) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch o.mode.Load() {
		case "refuse":
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		case "5xx":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<Error><Code>SlowDown</Code><Message>try later</Message></Error>`)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// TestStorageOutage: while the store is down, every request that needs it
// answers 503 unavailable with Retry-After, never 500; a download that
// could not open its bytes costs nothing; an upload keeps no row; and all
// works again once the store is back.
func TestStorageOutage(t *testing.T) {
	testkit.SkipShort(t, "about 30 s: the S3 SDK retries each failed request with backoff")
	t.Parallel()
	o := &outage{}
	o.set("")
	st := newStackOn(t, blobtest.S3With(t, o.wrap), nil)
	file := st.upload(t, "once.txt", []byte("only one copy"), "?max_downloads=1")
	link := pathOf(t, shareOf(file)["download_url"].(string))
	zipOf := pathOf(t, shareOf(file)["url"].(string)) + "/zip"
	rows := st.rowCount(t, "files")

	for _, mode := range []string{"refuse", "5xx"} {
		t.Run(mode, func(t *testing.T) {
			o.set(mode)
			defer o.set("")
			requests := []struct {
				name   string
				method string
				path   string
				body   io.Reader
				token  string
			}{
				{"download", "GET", link, nil, ""},
				{"zip", "GET", zipOf, nil, ""},
				{"upload of known length", "PUT", "/api/v1/files/new.txt", strings.NewReader("new bytes"), st.token},
				{"upload of unknown length", "PUT", "/api/v1/files/chunked.txt", io.MultiReader(strings.NewReader("chunked "), strings.NewReader("bytes")), st.token},
			}
			for _, rq := range requests {
				res, out := st.call(t, rq.method, rq.path, rq.token, rq.body)
				if res.StatusCode != http.StatusServiceUnavailable || errorCode(out) != "unavailable" || res.Header.Get("Retry-After") == "" {
					t.Errorf("%s while storage is down: %d %q Retry-After=%q, want 503 unavailable with Retry-After",
						rq.name, res.StatusCode, out["_raw"], res.Header.Get("Retry-After"))
				}
			}
			if n := st.rowCount(t, "files"); n != rows {
				t.Errorf("%d file rows after failed uploads, want %d", n, rows)
			}
		})
	}
	// The store is back: the one download the share allows is still there.
	res, out := st.call(t, "GET", link, "", nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal([]byte(out["_raw"].(string)), []byte("only one copy")) {
		t.Fatalf("download after the outage: %d %q", res.StatusCode, out["_raw"])
	}
	if res, _ := st.call(t, "GET", link, "", nil); res.StatusCode != http.StatusGone {
		t.Errorf("second download of a max_downloads=1 share: %d, want 410", res.StatusCode)
	}
}

// TestTusStorageOutage: while the store is down, the tus requests that
// need it (creating an upload, writing a chunk, asking where to resume)
// answer 503 unavailable with Retry-After from the error table, never
// tusd's own 500, and the upload goes on once the store is back.
func TestTusStorageOutage(t *testing.T) {
	testkit.SkipShort(t, "about 20 s: the S3 SDK retries each failed request with backoff")
	t.Parallel()
	o := &outage{}
	o.set("")
	st := newTusStackOn(t, blobtest.SignedS3With(t, o.wrap), nil)
	loc := st.create(t, 10)
	o.set("refuse")
	tests := []struct {
		name, method, path string
		body               []byte
		headers            []string
	}{
		{"create", "POST", "/api/v1/uploads", nil, []string{"Upload-Length", "5", "Upload-Metadata", tusMeta("filename", "new.txt")}},
		{"patch", "PATCH", loc, []byte("first"), []string{"Upload-Offset", "0"}},
		{"head", "HEAD", loc, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := st.tus(t, tt.method, tt.path, st.token, tt.body, tt.headers...)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Errorf("%s while storage is down: %d Retry-After=%q, want 503 with Retry-After", tt.name, res.StatusCode, res.Header.Get("Retry-After"))
			}
			if tt.method != "HEAD" && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: Content-Type %q, want the error table's JSON", tt.name, res.Header.Get("Content-Type"))
			}
		})
	}
	o.set("")
	if res := st.tus(t, "PATCH", loc, st.token, []byte("0123456789"), "Upload-Offset", "0"); res.StatusCode != http.StatusNoContent {
		t.Errorf("PATCH once the store is back: %d, want 204", res.StatusCode)
	}
}

// TestTusRedisOutage: with Redis (the upload locks) cut, a PATCH and a
// HEAD answer 503 with Retry-After, not tusd's 500, and the upload goes
// on once Redis is back.
func TestTusRedisOutage(t *testing.T) {
	t.Parallel()
	var rd *faultproxy.Proxy
	st := newTusStackRedis(t, blobtest.SignedS3(t), nil, nil, func(o *redis.Options) {
		rd = faultproxy.Start(t, o.Addr)
		o.Addr, o.MaxRetries = rd.Addr, -1
	})
	loc := st.create(t, 10)
	rd.Cut()
	for _, method := range []string{"PATCH", "HEAD"} {
		var body []byte
		if method == "PATCH" {
			body = []byte("first")
		}
		res := st.tus(t, method, loc, st.token, body, "Upload-Offset", "0")
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s while Redis is down: %d Retry-After=%q, want 503 with Retry-After", method, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	rd.Restore()
	if res := st.tus(t, "PATCH", loc, st.token, []byte("0123456789"), "Upload-Offset", "0"); res.StatusCode != http.StatusNoContent {
		t.Errorf("PATCH once Redis is back: %d, want 204", res.StatusCode)
	}
}
