package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// otlpSink takes OTLP/HTTP trace exports and keeps nothing but their
// count and size: the cost measured is Ferry's, making and sending spans,
// not a tracing backend's.
type otlpSink struct {
	srv             *http.Server
	url             string
	exports, nbytes atomic.Int64
}

func startSink() (*otlpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("trace sink: %w", err)
	}
	s := &otlpSink{url: "http://" + ln.Addr().String()}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		s.exports.Add(1)
		s.nbytes.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK) // an empty ExportTraceServiceResponse
	})}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// measureTraced hammers the same small file through a second web process
// that traces every request (100% sampling, OTLP over HTTP to a local
// sink), for the cost of tracing against the untraced figure.
func (b *bench) measureTraced(ctx context.Context, r *results) error {
	sink, err := startSink()
	if err != nil {
		return err
	}
	b.onClose("stop the trace sink", sink.srv.Shutdown)
	web, url, err := b.launchWeb(ctx, "ferry web with tracing",
		"OTEL_TRACES_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+sink.url, "OTEL_TRACES_SAMPLER=always_on")
	if err != nil {
		return err
	}
	traced := strings.Replace(r.smallURL, b.stack.webURL, url, 1)
	b.logf("small downloads with tracing: %d clients for %v, after a 1s warm-up", b.opts.concurrency, b.opts.duration)
	hammer(ctx, traced, b.opts.concurrency, time.Second)
	cpu := b.watchCPUOf(web)
	r.traced = hammer(ctx, traced, b.opts.concurrency, b.opts.duration)
	b.logf("  %v", cpu)
	time.Sleep(6 * time.Second) // the batch processor exports every 5s
	r.traceExports, r.traceBytes = sink.exports.Load(), sink.nbytes.Load()
	switch {
	case len(r.traced.latencies) == 0:
		return fmt.Errorf("traced small downloads: every one failed: %w", r.traced.firstErr)
	case r.traceExports == 0:
		return fmt.Errorf("traced small downloads: no spans reached the sink")
	}
	return nil
}
