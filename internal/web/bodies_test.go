package web

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
)

// TestBodyTimeout: a JSON body that stalls is answered 400 once
// BodyTimeout has passed, through every middleware of Handler, rather
// than holding its connection.
func TestBodyTimeout(t *testing.T) {
	t.Parallel()
	s := New(Deps{Log: slog.New(slog.DiscardHandler), Ready: health.NewReadiness(), Registry: metrics.NewRegistry(),
		InFlight: &server.InFlight{}, Settings: Settings{BodyTimeout: 300 * time.Millisecond, UploadIdleTimeout: time.Second}})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	begin := time.Now()
	_, _ = io.WriteString(c, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if took := time.Since(begin); res.StatusCode != http.StatusBadRequest || took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("stalled JSON body: %d after %v, want 400 after about 300ms", res.StatusCode, took)
	}
}
