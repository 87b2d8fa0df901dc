// Package metrics owns each process's Prometheus registry and the series
// every process type shares.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferryhq/ferry/internal/buildinfo"
)

// NewRegistry returns a registry with Go runtime, process and build
// collectors. Each process makes its own, so tests never share state.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "ferry_build_info",
			Help:        "Always 1; labels say which build is running.",
			ConstLabels: prometheus.Labels{"version": buildinfo.Version, "commit": buildinfo.Commit},
		}, func() float64 { return 1 }),
	)
	return reg
}

// Handler serves reg in the Prometheus text format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// HTTP holds the request series. Routes are labelled by their pattern, never
// by the raw path, which could hold a share token and has no bound.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTP registers the request series on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time to serve a request, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight", Help: "Requests being served now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// FailureCodes are the statuses Ferry answers when it fails: 500 for its
// own bugs, 503 when a backing service is down.
var FailureCodes = []int{500, 503}

// Prepare makes the failure series of every route pattern ("METHOD
// /path") at 0, so the first failure on a route is an increase that
// rate() and increase() can see, not a new series that starts at 1.
// Patterns without a method are skipped; HEAD on a GET route is not made.
func (m *HTTP) Prepare(patterns []string) {
	for _, p := range patterns {
		method, _, ok := strings.Cut(p, " ")
		if !ok {
			continue
		}
		for _, code := range FailureCodes {
			m.requests.WithLabelValues(method, p, strconv.Itoa(code))
		}
	}
}

// Start marks a request begun and returns the function that records its end.
func (m *HTTP) Start() func(method, route string, code int, d time.Duration) {
	m.inFlight.Inc()
	return func(method, route string, code int, d time.Duration) {
		m.inFlight.Dec()
		m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
		m.duration.WithLabelValues(method, route).Observe(d.Seconds())
	}
}
