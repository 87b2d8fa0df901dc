package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
)

func newTestServer(t *testing.T, logs io.Writer) *httptest.Server {
	t.Helper()
	ts, _ := newTestServers(t, logs)
	return ts
}

// newTestServers serves the app and, apart, the operational endpoints
// the way web serves them on METRICS_PORT.
func newTestServers(t *testing.T, logs io.Writer) (app, ops *httptest.Server) {
	t.Helper()
	log := logging.New(logs, slog.LevelDebug, "web")
	s := New(Deps{Log: log, Ready: health.NewReadiness(), Registry: metrics.NewRegistry(), InFlight: &server.InFlight{}})
	app, ops = httptest.NewServer(s.Handler()), httptest.NewServer(OpsHandler(s.Ready, s.Registry))
	t.Cleanup(app.Close)
	t.Cleanup(ops.Close)
	return app, ops
}

func TestRequestID(t *testing.T) {
	ts := newTestServer(t, io.Discard)
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"kept", "abc-123_x.y:z", true},
		{"none", "", false},
		{"unsafe chars", "abc\"<script>", false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", ts.URL+"/health", nil)
		if tt.sent != "" {
			req.Header.Set("X-Request-ID", tt.sent)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("X-Request-ID")
		if (got == tt.sent) != tt.kept || got == "" {
			t.Errorf("%s: sent %q, echoed %q", tt.name, tt.sent, got)
		}
	}
}

func TestRequestLogLine(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, &logs)
	res, err := http.Get(ts.URL + "/api/v1/nothing/secret-token-in-path")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Errorf("unknown API path: %d %s", res.StatusCode, body)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
		t.Fatalf("log is not one JSON line: %q", logs.String())
	}
	for key, want := range map[string]any{"msg": "request", "method": "GET", "route": "/api/", "status": 404.0} {
		if line[key] != want {
			t.Errorf("log %s = %v, want %v", key, line[key], want)
		}
	}
	for _, key := range []string{"request_id", "duration_ms", "bytes", "time", "level"} {
		if _, ok := line[key]; !ok {
			t.Errorf("log line lacks %s: %v", key, line)
		}
	}
	if strings.Contains(logs.String(), "secret-token-in-path") {
		t.Errorf("raw path reached the log: %s", logs.String())
	}
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	ts, ops := newTestServers(t, io.Discard)
	for _, p := range []string{"/health", "/api/v1/x/abcdef", "/nowhere"} {
		res, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the app's port: %d, want 404", res.StatusCode)
	}
	res, err = http.Get(ops.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(b)
	for _, want := range []string{`http_requests_total{code="200",method="GET",route="GET /health"} 1`, `route="/api/"`, `route="unmatched"`, "ferry_build_info", "go_goroutines"} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "abcdef") || strings.Contains(text, "nowhere") {
		t.Errorf("a raw path became a label")
	}
}
