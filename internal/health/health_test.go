package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadiness(t *testing.T) {
	down := errors.New("down")
	ok := func(context.Context) error { return nil }
	fail := func(context.Context) error { return down }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	tests := []struct {
		name       string
		checks     []Check
		wantStatus int
		wantReason string
		wantDown   []string
	}{
		{"all up", []Check{{"database", "database unavailable", ok}, {"redis", "redis unavailable", ok}}, 200, "", nil},
		{"first failing named", []Check{{"database", "database unavailable", ok}, {"redis", "redis unavailable", fail}, {"object_storage", "object storage unavailable", fail}}, 503, "redis unavailable", []string{"redis", "object_storage"}},
		{"hung probe fails", []Check{{"database", "database unavailable", hang}}, 503, "database unavailable", []string{"database"}},
		{"no checks", nil, 200, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReadiness(tt.checks...)
			r.timeout = 50 * time.Millisecond
			status, body := get(t, r.ServeReady)
			if status != tt.wantStatus || body["reason"] != tt.wantReason {
				t.Errorf("got %d %v, want %d reason %q", status, body, tt.wantStatus, tt.wantReason)
			}
			ready, ok := r.Status(context.Background())
			for _, c := range tt.checks {
				if down := slices.Contains(tt.wantDown, c.Name); ok[c.Name] == down {
					t.Errorf("check %s: up %v", c.Name, ok[c.Name])
				}
			}
			if ready != (tt.wantStatus == 200) {
				t.Errorf("Status ready = %v", ready)
			}
		})
	}
}

func TestReadinessCachesAndShutsDown(t *testing.T) {
	var calls atomic.Int32
	r := NewReadiness(Check{"database", "database unavailable", func(context.Context) error { calls.Add(1); return nil }})
	for range 10 {
		get(t, r.ServeReady)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("10 probes within the TTL ran the check %d times, want 1", n)
	}
	r.ShuttingDown()
	if status, body := get(t, r.ServeReady); status != 503 || body["reason"] != "shutting down" {
		t.Errorf("after ShuttingDown: %d %v", status, body)
	}
	if status, body := get(t, ServeLive); status != 200 || body["status"] != "ok" {
		t.Errorf("live: %d %v", status, body)
	}
}

// TestReadinessAnswersFast: with one check that hangs and ignores its
// context, every one of many concurrent probes still answers 503 within
// 500 ms, and the checks that answer are reported up.
func TestReadinessAnswersFast(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	r := NewReadiness(
		Check{"database", "database unavailable", func(context.Context) error { <-stuck; return nil }},
		Check{"redis", "redis unavailable", func(context.Context) error { return nil }},
	)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			begin := time.Now()
			status, body := get(t, r.ServeReady)
			if took := time.Since(begin); status != 503 || body["reason"] != "database unavailable" || took > 500*time.Millisecond {
				t.Errorf("with a hung check: %d %v after %v, want 503 within 500ms", status, body, took)
			}
		})
	}
	wg.Wait()
	if _, ok := r.Status(context.Background()); ok["database"] || !ok["redis"] {
		t.Errorf("checks up: %v, want redis only", ok)
	}
}

// TestReadinessIgnoresProberHangingUp: a probe whose client has gone does
// not leave a failure behind for the next one.
func TestReadinessIgnoresProberHangingUp(t *testing.T) {
	r := NewReadiness(Check{"database", "database unavailable", func(ctx context.Context) error { return ctx.Err() }})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if reason := r.Reason(ctx); reason != "" {
		t.Errorf("with the prober's context cancelled: %q, want ready", reason)
	}
}

func get(t *testing.T, h http.HandlerFunc) (int, map[string]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/ready", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return rec.Code, body
}
