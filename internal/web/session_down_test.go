package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
)

// TestSessionStoreDown: with Redis unreachable, a request carrying a
// session cookie gets the JSON 503 of any backing service that is down,
// and the probes answer without touching the session store at all.
func TestSessionStoreDown(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	srv := New(Deps{Log: slog.New(slog.DiscardHandler), Ready: health.NewReadiness(), Registry: metrics.NewRegistry(), InFlight: &server.InFlight{}, Redis: rdb})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	tests := []struct {
		path       string
		wantStatus int
		wantCode   string
	}{
		{"/api/v1/me", 503, "unavailable"},
		{"/health", 200, ""},
		{"/ready", 200, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
		req.AddCookie(&http.Cookie{Name: "ferry_session", Value: "abcdefghijklmnopqrstuvwxyz"})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		_ = res.Body.Close()
		if res.StatusCode != tt.wantStatus || errorCode(out) != tt.wantCode {
			t.Errorf("%s: %d %v, want %d %q", tt.path, res.StatusCode, out, tt.wantStatus, tt.wantCode)
		}
	}
}
