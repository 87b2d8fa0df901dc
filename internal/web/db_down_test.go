package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/faultproxy"
)

// TestBackingOutages cuts Postgres, then Redis, away from a running
// server, resetting the connections in its pools as a stopped server
// would: every request that needs the lost service answers 503
// unavailable with Retry-After, never 500, and the server works again as
// soon as the service is back.
func TestBackingOutages(t *testing.T) {
	t.Parallel()
	var pg, rd *faultproxy.Proxy
	st := newStackWith(t, blobtest.SignedS3(t), func(svc *backing.Services) {
		pg = faultproxy.Start(t, dbtest.Server(t))
		svc.DB = dbtest.PoolVia(t, pg.Addr)
		opts, _ := redis.ParseURL(dbtest.RedisURL(t))
		rd = faultproxy.Start(t, opts.Addr)
		opts.Addr, opts.MaxRetries = rd.Addr, 1
		svc.Redis = redis.NewClient(opts)
	}, nil)
	file := st.upload(t, "kept.txt", []byte("still here"), "")
	link := pathOf(t, shareOf(file)["download_url"].(string))
	signIn := `{"email":"owner@example.com","password":"correct horse battery"}`

	for _, cut := range []struct {
		name  string
		proxy *faultproxy.Proxy
	}{{"postgres", pg}, {"redis", rd}} {
		t.Run(cut.name, func(t *testing.T) {
			cut.proxy.Cut()
			for _, rq := range []struct{ name, method, path, token, body string }{
				{"list files", "GET", "/api/v1/files", st.token, ""},
				{"download", "GET", link, "", ""},
				{"upload", "PUT", "/api/v1/files/new.txt", st.token, "new bytes"},
				{"sign in", "POST", "/api/v1/login", "", signIn},
			} {
				res, out := st.call(t, rq.method, rq.path, rq.token, strings.NewReader(rq.body), "Content-Type", "application/json")
				if cut.name == "redis" && rq.name != "sign in" {
					continue // only sessions and rate limits need Redis; the rest must still work
				}
				if res.StatusCode != http.StatusServiceUnavailable || errorCode(out) != "unavailable" || res.Header.Get("Retry-After") == "" {
					t.Errorf("%s with %s down: %d %q, want 503 unavailable with Retry-After", rq.name, cut.name, res.StatusCode, out["_raw"])
				}
			}
			cut.proxy.Restore()
			if res, out := st.call(t, "GET", link, "", nil); res.StatusCode != http.StatusOK || out["_raw"] != "still here" {
				t.Errorf("download once %s is back: %d %q", cut.name, res.StatusCode, out["_raw"])
			}
			if res, out := st.call(t, "POST", "/api/v1/login", "", strings.NewReader(signIn), "Content-Type", "application/json"); res.StatusCode != http.StatusOK {
				t.Errorf("sign in once %s is back: %d %q", cut.name, res.StatusCode, out["_raw"])
			}
		})
	}
}
