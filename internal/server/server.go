// Package server runs an HTTP server for the life of a process: it serves
// until told to stop, then drains in-flight requests within a deadline.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrCutOff reports a drain that ran past its deadline.
var ErrCutOff = errors.New("shutdown timeout: in-flight requests were cut off")

// New returns a server with timeouts that stop idle or slow-header
// connections from piling up. There is deliberately no ReadTimeout or
// WriteTimeout: they would cut off a large upload or download.
func New(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Listen binds addr with a message an operator can act on.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (is another process using the port?): %w", addr, err)
	}
	return ln, nil
}

// Serve serves srv on ln until stop is closed or cancelled, then stops
// accepting and waits up to timeout for requests in flight to finish.
func Serve(stop context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, inflight *InFlight, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-stop.Done():
	}
	log.Info("draining", "addr", ln.Addr().String(), "in_flight", inflight.Count(), "timeout", timeout.String())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(stop), timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("drain cut off requests", "in_flight", inflight.Count(), "error", err.Error())
		_ = srv.Close()
		return ErrCutOff
	}
	<-errc // http.ErrServerClosed once Serve has returned
	return nil
}

// InFlight counts requests being served, so a cut-off drain can say how
// many it abandoned. A nil *InFlight counts nothing.
type InFlight struct{ n atomic.Int64 }

// Count returns the requests now in flight.
func (f *InFlight) Count() int64 {
	if f == nil {
		return 0
	}
	return f.n.Load()
}

// Wrap counts every request that passes through h.
func (f *InFlight) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.n.Add(1)
		defer f.n.Add(-1)
		h.ServeHTTP(w, r)
	})
}
