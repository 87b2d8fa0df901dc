package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
	"github.com/ferryhq/ferry/internal/units"
)

func TestMain(m *testing.M) {
	for k, v := range blobtest.Credentials {
		_ = os.Setenv(k, v)
	}
	code := dbtest.Run(m)
	os.Exit(suite.Finish(code, testing.Verbose(), os.Stderr))
}

// stack is a web server over real Postgres, Redis and an S3-compatible
// bucket, with a signed-up user and an API token.
type stack struct {
	url      string
	opsURL   string // the operational endpoints, as on METRICS_PORT
	services *backing.Services
	token    string
	userID   string
	logs     *syncbuf.Buffer  // what the server logged
	hasher   *account.Hasher  // shared by accounts and shares, as in ferry web
	prefix   string           // before every Redis key of this stack
	sharing  *sharing.Service // the server's, for a test to give it jobs before its first request
}

var fastHash = account.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testHashes is how many fastHash hashes a stack's budget holds at once.
const testHashes = 4

func newStack(t *testing.T, tweak func(*Settings)) *stack {
	t.Helper()
	return newStackOn(t, blobtest.SignedS3(t), tweak)
}

// newStackOn is newStack storing objects at blobURL, for tests whose files
// are too big for the in-memory S3 server.
func newStackOn(t *testing.T, blobURL string, tweak func(*Settings)) *stack {
	t.Helper()
	return newStackWith(t, blobURL, nil, tweak)
}

// newStackWith is newStackOn whose backing services attach sets up: a
// test puts a proxy it can cut between the server and Postgres or Redis.
func newStackWith(t *testing.T, blobURL string, attach func(*backing.Services), tweak func(*Settings)) *stack {
	t.Helper()
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: blobURL})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := redis.ParseURL(dbtest.RedisURL(t))
	svc.DB, svc.Redis = dbtest.Pool(t), redis.NewClient(opts)
	if attach != nil {
		attach(svc)
	}
	t.Cleanup(func() { _ = svc.Redis.Close(); _ = svc.Bucket.Close() })
	settings := Settings{
		MaxUploadSize: 1 << 20, Shares: share.Limits{DefaultExpiresIn: units.Day, MaxExpiresIn: 7 * units.Day},
		DownloadMode: "proxy", RedisPrefix: dbtest.RedisPrefix(t),
	}
	if tweak != nil {
		tweak(&settings)
	}
	logs := suite.Log()
	log := logging.New(logs, slog.LevelDebug, "web")
	hasher := account.NewHasher(testHashes*int64(fastHash.Memory)<<10, time.Minute)
	shares := services(svc, log, settings)
	shares.Hasher = hasher
	srv := New(Deps{
		Log: log, Ready: health.NewReadiness(), Registry: metrics.NewRegistry(), InFlight: &server.InFlight{},
		Sharing:  shares,
		Accounts: &account.Service{DB: svc.DB, Params: fastHash, Hasher: hasher},
		Audit:    &audit.Log{DB: svc.DB},
		Redis:    svc.Redis, Settings: settings,
	})
	ts, ops := httptest.NewServer(recordSecrets(srv.Handler())), httptest.NewServer(OpsHandler(srv.Ready, srv.Registry))
	t.Cleanup(ts.Close)
	t.Cleanup(ops.Close)
	st := &stack{url: ts.URL, opsURL: ops.URL, services: svc, logs: logs, hasher: hasher, prefix: settings.RedisPrefix, sharing: shares}
	st.userID, st.token = st.newUser(t, "owner@example.com")
	return st
}

// services is the sharing service over svc, with the limits of settings.
func services(svc *backing.Services, log *slog.Logger, settings Settings) *sharing.Service {
	return &sharing.Service{DB: svc.DB, Store: svc.Store(), Log: log, Settings: sharing.Settings{
		MaxUploadSize: settings.MaxUploadSize, UserQuota: settings.UserQuota, Shares: settings.Shares,
	}}
}

func (st *stack) newUser(t *testing.T, email string) (id, token string) {
	t.Helper()
	u, err := account.CreateUserWithParams(context.Background(), st.services.DB, email, "correct horse battery", fastHash)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err = account.CreateToken(context.Background(), st.services.DB, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, token
}

// call makes one request and decodes a JSON answer into a map.
func (st *stack) call(t *testing.T, method, path, token string, body io.Reader, headers ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, st.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]any{"_raw": string(raw)}
	_ = json.Unmarshal(raw, &out)
	return res, out
}

func (st *stack) upload(t *testing.T, name string, content []byte, query string, headers ...string) map[string]any {
	t.Helper()
	res, out := st.call(t, "PUT", "/api/v1/files/"+name+query, st.token, bytes.NewReader(content), headers...)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %v", name, res.StatusCode, out["_raw"])
	}
	return out
}

func shareOf(file map[string]any) map[string]any { return file["share"].(map[string]any) }

func pathOf(t *testing.T, u string) string {
	t.Helper()
	i := strings.Index(u, "/s/")
	if i < 0 {
		t.Fatalf("no share path in %q", u)
	}
	return u[i:]
}

func (st *stack) objectCount(t *testing.T) int {
	t.Helper()
	n := 0
	it := st.services.Bucket.List(nil)
	for {
		if _, err := it.Next(context.Background()); err != nil {
			return n
		}
		n++
	}
}

func (st *stack) rowCount(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := st.services.DB.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// errorCode is the code of a JSON error answer, or "".
func errorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}
