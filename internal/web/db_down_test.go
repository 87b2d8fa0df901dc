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
// would: every request that needs the lost service answers 503 with
// Retry-After, never 500, as JSON to API clients and as a page to
// browsers, and the server works again as soon as the service is back.
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
	page := pathOf(t, shareOf(file)["url"].(string))
	html := "text/html,application/xhtml+xml"
	signIn := `{"email":"owner@example.com","password":"correct horse battery"}`

	for _, cut := range []struct {
		name  string
		proxy *faultproxy.Proxy
	}{{"postgres", pg}, {"redis", rd}} {
		t.Run(cut.name, func(t *testing.T) {
			cut.proxy.Cut()
			for _, rq := range []struct{ name, method, path, token, body, accept string }{
				{"list files", "GET", "/api/v1/files", st.token, "", ""},
				{"download", "GET", link, "", "", ""},
				{"upload", "PUT", "/api/v1/files/new.txt", st.token, "new bytes", ""},
				{"sign in", "POST", "/api/v1/login", "", signIn, ""},
				{"share page", "GET", page, "", "", html},
				{"get share", "GET", "/api/v1/shares/" + shareOf(file)["id"].(string), st.token, "", ""},
				{"edit share", "PATCH", "/api/v1/shares/" + shareOf(file)["id"].(string), st.token, `{"max_downloads":9}`, ""},
				{"share history", "GET", "/api/v1/shares/" + shareOf(file)["id"].(string) + "/downloads", st.token, "", ""},
				{"qr code", "GET", page + "/qr.svg", "", "", ""},
				{"sign-in form", "POST", "/login", "", "email=owner%40example.com&password=x", html},
			} {
				ctype := "application/json"
				if rq.accept != "" {
					ctype = "application/x-www-form-urlencoded"
				}
				res, out := st.call(t, rq.method, rq.path, rq.token, strings.NewReader(rq.body), "Content-Type", ctype, "Accept", rq.accept)
				if cut.name == "redis" && !strings.HasPrefix(rq.name, "sign in") && rq.name != "sign-in form" {
					continue // only sessions and rate limits need Redis; the rest must still work
				}
				isPage := strings.HasPrefix(res.Header.Get("Content-Type"), "text/html")
				if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || (rq.accept == "") == isPage || !isPage && errorCode(out) != "unavailable" {
					t.Errorf("%s with %s down: %d %s Retry-After %q %.200q, want a 503 %s with Retry-After", rq.name, cut.name, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), out["_raw"], map[bool]string{true: "page", false: "unavailable JSON"}[rq.accept != ""])
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
