package main

import (
	"github.com/ferryhq/ferry/internal/testkit"

	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestDrainBeforeClosing follows web through SIGTERM with DRAIN_DELAY set:
// /ready turns 503 "shutting down" on both ports at once while new
// requests, on a kept-alive connection or a new one, are still served,
// each answer closing its connection; after the delay new connections are
// refused; an upload in flight all along completes; the exit is 0.
func TestDrainBeforeClosing(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	const delay = 2 * time.Second
	env, base := webEnv(t, dbtest.URL(t))
	ops := opsBase(env)
	web := start(t, append(env, "DRAIN_DELAY="+delay.String(), "ANONYMOUS_UPLOADS=true"), "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	metricsOnlyOnOpsPort(t, base, ops)
	// The failure series the alerts read exist at 0 in a fresh process.
	wantSeries(t, ops+"/metrics",
		`http_requests_total{code="500",method="PUT",route="PUT /api/v1/files/{name}"} 0`,
		`http_requests_total{code="503",method="GET",route="GET /s/{token}/files/{id}"} 0`,
		`http_requests_total{code="503",method="POST",route="POST /login"} 0`,
		`ferry_uploads_total{outcome="failed"} 0`,
		`ferry_downloads_total{outcome="failed"} 0`,
	)

	up := startSlowUpload(t, base, ops)
	kept := &http.Client{Transport: &http.Transport{}}
	defer kept.CloseIdleConnections()
	if res, _ := getVia(t, kept, base+"/health"); res.Close {
		t.Fatalf("before SIGTERM: Connection: close on /health")
	}

	signalled := time.Now()
	web.signal(t, syscall.SIGTERM)
	waitFor(t, web, base+"/ready", 503, "shutting down", delay)
	waitFor(t, web, ops+"/ready", 503, "shutting down", delay)
	for _, c := range []struct {
		name   string
		client *http.Client
		reused bool
	}{
		{"kept-alive connection", kept, true},
		{"new connection", &http.Client{Transport: &http.Transport{}}, false},
	} {
		res, reused := getVia(t, c.client, base+"/health")
		if res.StatusCode != 200 || !res.Close || reused != c.reused {
			t.Errorf("%s while draining: %d, Connection: close %v, reused %v", c.name, res.StatusCode, res.Close, reused)
		}
	}
	if since := time.Since(signalled); since >= delay {
		t.Fatalf("the checks took %v, longer than the drain delay; the machine is too busy for this test", since)
	}

	waitRefused(t, strings.TrimPrefix(base, "http://"), delay+5*time.Second)
	if refused := time.Since(signalled); refused < delay {
		t.Errorf("new connections refused %v after SIGTERM, before DRAIN_DELAY %v", refused, delay)
	}
	if code, err := up.finish(); err != nil || code != http.StatusCreated {
		t.Errorf("upload in flight through the drain: %d %v, want 201", code, err)
	}
	if code := web.exitCode(t, 15*time.Second); code != 0 {
		t.Errorf("exit %d after the drain, want 0", code)
	}
	if !strings.Contains(web.stdout.String(), "draining: still accepting") {
		t.Errorf("the drain delay was not logged")
	}
}

// metricsOnlyOnOpsPort: /metrics answers on METRICS_PORT and 404 on PORT,
// which load balancers expose; the probes answer on both.
func metricsOnlyOnOpsPort(t *testing.T, base, ops string) {
	t.Helper()
	for _, c := range []struct {
		url  string
		want int
	}{
		{base + "/metrics", 404}, {ops + "/metrics", 200},
		{base + "/health", 200}, {ops + "/health", 200}, {ops + "/ready", 200},
	} {
		if code, _, err := probe(c.url); err != nil || code != c.want {
			t.Errorf("GET %s: %d %v, want %d", c.url, code, err, c.want)
		}
	}
}

// wantSeries fails unless every series is in the scrape of url.
func wantSeries(t *testing.T, url string, series ...string) {
	t.Helper()
	res, body := request(t, "GET", url, "", nil)
	for _, want := range series {
		if res.StatusCode != 200 || !strings.Contains(string(body), "\n"+want+"\n") {
			t.Errorf("%s lacks %s", url, want)
		}
	}
}

// opsBase is the address of web's METRICS_PORT in env (the last one set).
func opsBase(env []string) string {
	port := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "METRICS_PORT="); ok {
			port = v
		}
	}
	return "http://127.0.0.1:" + port
}

// getVia answers one GET through c, and whether it went over a kept-alive
// connection.
func getVia(t *testing.T, c *http.Client, url string) (*http.Response, bool) {
	t.Helper()
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, reused
}

// waitRefused polls until nothing accepts connections at addr.
func waitRefused(t *testing.T, addr string, within time.Duration) {
	t.Helper()
	eventually(t, "connections to "+addr+" refused", within, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

// slowUpload is an anonymous PUT whose body has stopped halfway.
type slowUpload struct {
	pw     *io.PipeWriter
	result chan slowResult
	done   bool
}

type slowResult struct {
	code int
	err  error
}

// startSlowUpload sends the first half of an upload to web and returns
// once web counts the request in flight (ops is its METRICS_PORT).
func startSlowUpload(t *testing.T, base, ops string) *slowUpload {
	t.Helper()
	pr, pw := io.Pipe()
	up := &slowUpload{pw: pw, result: make(chan slowResult, 1)}
	req, err := http.NewRequest("PUT", base+"/api/v1/files/slow.bin", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 2 << 10
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			up.result <- slowResult{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		up.result <- slowResult{code: res.StatusCode}
	}()
	go func() { _, _ = pw.Write(make([]byte, 1<<10)) }()
	eventually(t, "the upload in flight", 10*time.Second, func() bool {
		res, err := http.Get(ops + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return strings.Contains(string(b), "\nhttp_requests_in_flight 1\n")
	})
	return up
}

// finish sends the rest of the body and returns the answer; once done,
// it returns at once, so it may also be deferred.
func (u *slowUpload) finish() (int, error) {
	if u.done {
		return 0, nil
	}
	u.done = true
	go func() {
		_, _ = u.pw.Write(make([]byte, 1<<10))
		_ = u.pw.Close()
	}()
	select {
	case r := <-u.result:
		return r.code, r.err
	case <-time.After(15 * time.Second):
		return 0, context.DeadlineExceeded
	}
}
