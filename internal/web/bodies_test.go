package web

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestEarlyAnswerLingers: an upload refused before its body was read is
// answered at once, with Connection: close, and the server then reads
// what follows of the body (up to lingerBytes) before it closes, so the
// client, or a proxy streaming the body, can send it all and sees a clean
// end of the connection, not a reset that would cost it the answer. An
// upload that is taken keeps its connection.
func TestEarlyAnswerLingers(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	tests := []struct {
		name      string
		token     string
		size      int
		wantCode  int
		wantClose bool
	}{
		{"refused, body larger than net/http discards", "not-a-token", 3 << 20, http.StatusUnauthorized, true},
		{"refused, small body", "not-a-token", 100 << 10, http.StatusUnauthorized, true},
		{"taken", st.token, 100 << 10, http.StatusCreated, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(st.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			head := fmt.Sprintf("PUT /api/v1/files/linger.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", tt.token, tt.size)
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
			if tt.wantCode != http.StatusCreated {
				// The refusal comes before a byte of the body is sent.
				br := bufio.NewReader(c)
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				if res.StatusCode != tt.wantCode || !res.Close {
					t.Errorf("answer %d, close %v; want %d with Connection: close", res.StatusCode, res.Close, tt.wantCode)
				}
				if _, err := c.Write(make([]byte, tt.size)); err != nil {
					t.Fatalf("sending the rest of the body after the answer: %v", err)
				}
				if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("after the body: %d bytes, %v; want the server's EOF", n, err)
				}
				// A server that closed with the body unread has reset the
				// connection (net/http waits 500ms first), and a write
				// then fails; one that read it all closed cleanly.
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{0}); err != nil {
					t.Errorf("the connection was reset, the body left unread: %v", err)
				}
				return
			}
			if _, err := c.Write(make([]byte, tt.size)); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = res.Body.Close()
			if res.StatusCode != tt.wantCode || res.Close != tt.wantClose {
				t.Errorf("answer %d, close %v; want %d, close %v", res.StatusCode, res.Close, tt.wantCode, tt.wantClose)
			}
		})
	}
}
