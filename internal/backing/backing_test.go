package backing

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
)

// silent is a TCP listener that accepts connections and never answers, the
// way a backing service behind a dead route or a paused process behaves.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// TestReadinessWithHungServices: with Postgres, Redis and object storage
// all accepting connections and never answering, /ready still answers 503
// within its checks' timeout (about 450 ms), again and again (each probe on a fresh cache, while the
// earlier probes' connection attempts still hang), and says which check
// failed first.
func TestReadinessWithHungServices(t *testing.T) {
	addr := silent(t)
	svc, err := Open(context.Background(), URLs{
		Database: "postgres://ferry@" + addr + "/ferry?sslmode=disable",
		Redis:    "redis://" + addr + "/0",
		Blob:     blobtest.URL("http://"+addr, "ferry") + "&anonymous=true",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	var r *health.Readiness
	for i := range 3 {
		r = health.NewReadiness(svc.Checks()...)
		begin := time.Now()
		rec := httptest.NewRecorder()
		r.ServeReady(rec, httptest.NewRequest("GET", "/ready", nil))
		took := time.Since(begin)
		// The checks give up after about 450 ms; the hung services would
		// never answer. The bound is loose so a busy machine's scheduling
		// does not fail the test; the log shows the real figure.
		if rec.Code != http.StatusServiceUnavailable || took > 2*time.Second || !strings.Contains(rec.Body.String(), "database unavailable") {
			t.Errorf("probe %d: %d %s after %v, want 503 well before the hung services answer (about 450ms)", i, rec.Code, rec.Body, took)
		}
		t.Logf("probe %d answered in %v", i, took.Round(time.Millisecond))
	}
	if _, ok := r.Status(context.Background()); ok["database"] || ok["redis"] || ok["object_storage"] {
		t.Errorf("checks up with every service hung: %v", ok)
	}
}
