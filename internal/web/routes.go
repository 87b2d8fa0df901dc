// Package web is Ferry's HTTP face: the JSON API, the pages and the
// operational endpoints, all listed in Routes.
package web

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
)

// Server holds what the handlers need; the command that runs the web
// process builds it once.
type Server struct {
	log      *slog.Logger
	ready    *health.Readiness
	registry *prometheus.Registry
	metrics  *metrics.HTTP
	inFlight *server.InFlight
}

// Deps are the parts a Server is built from.
type Deps struct {
	Log      *slog.Logger
	Ready    *health.Readiness
	Registry *prometheus.Registry
	InFlight *server.InFlight
}

// New builds the web server's handler tree.
func New(d Deps) *Server {
	return &Server{
		log: d.Log, ready: d.Ready, registry: d.Registry, inFlight: d.InFlight,
		metrics: metrics.NewHTTP(d.Registry),
	}
}

// Handler lists every route Ferry serves, wrapped in the middleware every
// request passes through.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health.ServeLive)
	mux.HandleFunc("GET /ready", s.ready.ServeReady)
	mux.Handle("GET /metrics", metrics.Handler(s.registry))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { writeError(w, r, errNotFound) })
	return s.inFlight.Wrap(s.observe(s.recoverPanics(mux)))
}

// home is a placeholder until the web UI lands: it says what is running.
func (s *Server) home(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!doctype html><title>Ferry</title><h1>Ferry</h1><p>Ferry is running. The API lives under /api/v1/.</p>\n"))
}

// OpsHandler serves only the operational endpoints, for the worker and
// clock, which have no API but must be probed and scraped like web.
func OpsHandler(ready *health.Readiness, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health.ServeLive)
	mux.HandleFunc("GET /ready", ready.ServeReady)
	mux.Handle("GET /metrics", metrics.Handler(reg))
	return mux
}
