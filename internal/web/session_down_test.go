package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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

// failSaves fails every Redis write, so sessions load but never save.
type failSaves struct{}

func (failSaves) DialHook(next redis.DialHook) redis.DialHook { return next }
func (failSaves) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name == "set" || name == "setex" || name == "psetex" {
			cmd.SetErr(errors.New("LOADING Redis is loading the dataset in memory"))
			return cmd.Err()
		}
		return next(ctx, cmd)
	}
}
func (failSaves) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestSessionSaveFails: a session that loads but cannot be saved, as when
// Redis stops between the two, answers one 503 and nothing after it: not
// the page's own status, not the page's body.
func TestSessionSaveFails(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	st.services.Redis.AddHook(failSaves{})
	tests := []struct {
		name, method, path, body string
	}{
		{"API sign-in", "POST", "/api/v1/login", `{"email":"owner@example.com","password":"correct horse battery"}`},
		{"form sign-in", "POST", "/login", "email=owner%40example.com&password=correct+horse+battery"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, st.url+tt.path, strings.NewReader(tt.body))
			if strings.HasPrefix(tt.body, "{") {
				req.Header.Set("Content-Type", "application/json")
			} else {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			var out map[string]any
			if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != 503 || errorCode(out) != "unavailable" {
				t.Errorf("%d %q, want one JSON 503 unavailable and nothing else", res.StatusCode, raw)
			}
		})
	}
}
