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

// Drain says how Serve stops once told to.
type Drain struct {
	// Delay is how long Serve keeps accepting after the stop, answering
	// every request with Connection: close, so load balancers that still
	// route here (their health checks lag) and clients on kept-alive
	// connections move to another replica before the listener closes.
	Delay time.Duration
	// Timeout bounds the wait for requests in flight once accepting has
	// stopped; past it they are cut off.
	Timeout time.Duration
}

// Serve serves srv on ln until stop is closed or cancelled, keeps serving
// for drain.Delay with connections closed after each response, then stops
// accepting and waits up to drain.Timeout for requests in flight.
func Serve(stop context.Context, srv *http.Server, ln net.Listener, drain Drain, inflight *InFlight, log *slog.Logger) error {
	var draining atomic.Bool
	srv.Handler = closeWhen(&draining, srv.Handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-stop.Done():
	}
	draining.Store(true)
	if drain.Delay > 0 {
		log.Info("draining: still accepting", "addr", ln.Addr().String(), "delay", drain.Delay.String())
		select {
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		case <-time.After(drain.Delay):
		}
	}
	log.Info("draining", "addr", ln.Addr().String(), "in_flight", inflight.Count(), "timeout", drain.Timeout.String())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(stop), drain.Timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("drain cut off requests", "in_flight", inflight.Count(), "error", err.Error())
		_ = srv.Close()
		return ErrCutOff
	}
	<-errc // http.ErrServerClosed once Serve has returned
	return nil
}

// closeWhen asks net/http to close each connection after its response
// once draining is set. Idle connections are left alone until Shutdown:
// closing one under a client that is just sending on it would fail that
// request, while an answer with Connection: close never does.
func closeWhen(draining *atomic.Bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
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
