package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Sender posts events to endpoints, through a client whose every dial
// passes the Guard, that follows no redirect, uses no proxy from the
// environment and gives up after its timeout.
type Sender struct {
	client *http.Client
	now    func() time.Time
}

// NewSender makes a Sender; timeout bounds each attempt whole (dial, TLS,
// the request and the answer's headers).
func NewSender(g Guard, timeout time.Duration) *Sender {
	dialer := &net.Dialer{Timeout: timeout, Control: g.Control, Resolver: g.resolver()}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       time.Minute,
		ForceAttemptHTTP2:     true,
	}
	return &Sender{now: time.Now, client: &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Close drops the idle connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

// Result is what one attempt got: a status, or the reason there was none.
type Result struct {
	Status  int           // 0: no answer
	Error   string        // without a status: timeout, private_address or unreachable
	Latency time.Duration // from sending to the answer's headers
}

// OK says whether the endpoint took the event (a 2xx answer).
func (r Result) OK() bool { return r.Status >= 200 && r.Status < 300 }

// maxDrain is how much of an answer's body is read, and thrown away, so
// that the connection can be used again. Bodies are never kept.
const maxDrain = 64 << 10

// Send posts body to url, signed with key as message id.
func (s *Sender) Send(ctx context.Context, url string, key []byte, id string, body []byte) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Error: "unreachable"}
	}
	h := Sign(key, id, s.now(), body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ferry-Webhooks/1")
	req.Header.Set("webhook-id", h.ID)
	req.Header.Set("webhook-timestamp", h.Timestamp)
	req.Header.Set("webhook-signature", h.Signature)
	start := time.Now()
	resp, err := s.client.Do(req)
	latency := time.Since(start)
	if err != nil {
		return Result{Error: reason(err), Latency: latency}
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	_ = resp.Body.Close()
	return Result{Status: resp.StatusCode, Latency: latency}
}

// reason names why an attempt got no answer, for the delivery log,
// without the error's own text.
func reason(err error) string {
	if errors.Is(err, ErrPrivate) {
		return "private_address"
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	return "unreachable"
}
