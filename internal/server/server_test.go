package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"
)

// TestServeDrainsInFlight starts a request that is still sending its body
// when the stop comes, and expects it to complete before Serve returns.
func TestServeDrainsInFlight(t *testing.T) {
	got := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
		_, _ = io.WriteString(w, "stored")
	})
	stop, serveErr, addr, inflight := start(t, h, Drain{Timeout: 5 * time.Second})

	pr, pw := io.Pipe()
	resp := make(chan string, 1)
	go func() {
		res, err := http.Post("http://"+addr, "text/plain", pr)
		if err != nil {
			resp <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		resp <- string(b)
	}()
	_, _ = pw.Write([]byte("first half, "))
	waitInFlight(t, inflight, 1)
	stop()
	waitRefused(t, addr) // the listener is closed while the body is half sent
	_, _ = pw.Write([]byte("second half"))
	pw.Close()

	if body := <-resp; body != "stored" {
		t.Errorf("in-flight request got %q, want it to complete", body)
	}
	if b := <-got; b != "first half, second half" {
		t.Errorf("handler read %q", b)
	}
	if err := <-serveErr; err != nil {
		t.Errorf("Serve = %v, want nil after a clean drain", err)
	}
}

func TestServeCutsOffPastTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block })
	stop, serveErr, addr, inflight := start(t, h, Drain{Timeout: 100 * time.Millisecond})
	go func() { _, _ = http.Get("http://" + addr) }()
	waitInFlight(t, inflight, 1)
	stop()
	if err := <-serveErr; !errors.Is(err, ErrCutOff) {
		t.Errorf("Serve = %v, want ErrCutOff", err)
	}
}

// TestServeDrainDelay: during the delay after the stop, a kept-alive
// connection and a new one are both served, each answer closing its
// connection; after it, the listener is closed.
func TestServeDrainDelay(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	stop, serveErr, addr, _ := start(t, h, Drain{Delay: 300 * time.Millisecond, Timeout: time.Second})
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	if res, _ := get(t, client, addr); res.Close {
		t.Errorf("before the stop: Connection: close, want the connection kept")
	}
	stop()
	begin := time.Now()
	for _, want := range []struct {
		name   string
		reused bool
	}{{"kept-alive connection", true}, {"new connection", false}} {
		res, reused := get(t, client, addr)
		if !res.Close || reused != want.reused {
			t.Errorf("%s during the delay: Connection: close %v, reused %v", want.name, res.Close, reused)
		}
	}
	if time.Since(begin) >= 300*time.Millisecond {
		t.Skip("the machine is too slow to ask within the delay")
	}
	waitRefused(t, addr)
	if waited := time.Since(begin); waited < 300*time.Millisecond {
		t.Errorf("listener closed %v after the stop, before the 300ms delay", waited)
	}
	if err := <-serveErr; err != nil {
		t.Errorf("Serve = %v", err)
	}
}

// get answers one GET and whether it went over a kept-alive connection.
func get(t *testing.T, c *http.Client, addr string) (*http.Response, bool) {
	t.Helper()
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", "http://"+addr, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, reused
}

func TestListenPortInUse(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("Listen on a used port = %v", err)
	}
}

func start(t *testing.T, h http.Handler, drain Drain) (func(), chan error, string, *InFlight) {
	t.Helper()
	inflight := &InFlight{}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, New(inflight.Wrap(h), log), ln, drain, inflight, log) }()
	return cancel, errc, ln.Addr().String(), inflight
}

func waitInFlight(t *testing.T, f *InFlight, n int64) {
	t.Helper()
	poll(t, "requests in flight", func() bool { return f.Count() >= n })
}

func waitRefused(t *testing.T, addr string) {
	t.Helper()
	poll(t, "listener closed", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
