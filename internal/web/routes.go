// Package web is Ferry's HTTP face: the JSON API, the pages and the
// operational endpoints, all listed in Handler.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strings"

	"github.com/alexedwards/scs/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/session"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/telemetry"
)

// Settings are the configuration values the handlers act on.
type Settings struct {
	PublicURL        string // no trailing slash
	MaxUploadSize    int64
	UserQuota        int64 // 0: no limit
	Shares           share.Limits
	SignupEnabled    bool
	AnonymousUploads bool
	TrustedProxies   []netip.Prefix
	DownloadMode     string // "proxy" or "redirect"
	RedisPrefix      string // before every Redis key; "ferry:" unless set
}

// Deps are the parts a Server is built from; the command that runs the web
// process builds them once.
type Deps struct {
	Log      *slog.Logger
	Ready    *health.Readiness
	Registry *prometheus.Registry
	InFlight *server.InFlight
	DB       *pgxpool.Pool
	Redis    *redis.Client
	Bucket   *blob.Bucket
	Direct   *files.Direct        // Bucket's S3 client, for uploads of known length; nil for other stores
	Jobs     *jobs.Client         // inserts background jobs; nil runs none
	Tracer   trace.TracerProvider // nil while tracing is off
	Settings Settings
}

// Server holds what the handlers need.
type Server struct {
	Deps
	metrics   *metrics.HTTP
	transfers *metrics.Transfers
	sessions  *scs.SessionManager
	limiter   *redis_rate.Limiter
}

// New builds the web server.
func New(d Deps) *Server {
	s := &Server{Deps: d, metrics: metrics.NewHTTP(d.Registry), transfers: metrics.NewTransfers(d.Registry)}
	if s.Settings.RedisPrefix == "" {
		s.Settings.RedisPrefix = "ferry:"
	}
	if d.Redis != nil {
		s.sessions = session.New(d.Redis, s.Settings.RedisPrefix+"session:", d.Settings.PublicURL)
		s.limiter = redis_rate.NewLimiter(d.Redis)
	}
	return s
}

// store is where uploads go.
func (s *Server) store() files.Store { return files.Store{Bucket: s.Bucket, Direct: s.Direct} }

// Handler lists every route Ferry serves, wrapped in the middleware every
// request passes through.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health.ServeLive)
	mux.HandleFunc("GET /ready", s.Ready.ServeReady)
	// No /metrics here: it is served on METRICS_PORT (OpsHandler), apart
	// from the public port, where it would show traffic to anyone.
	pages := &recordingMux{ServeMux: mux}
	s.uiRoutes(pages)
	api := s.registerAPI(mux)
	api.finish()
	s.publicRoutes(pages)
	s.metrics.Prepare(append(pages.patterns, api.patterns...))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { writeError(w, r, errNotFound) })
	// Cross-origin state changes from browsers are refused everywhere;
	// requests without browser headers (curl, API clients) pass.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, errCrossOrigin) }))
	var h http.Handler = cop.Handler(routed(mux))
	if s.sessions != nil {
		h = s.withSessions(h)
	}
	return s.traced(s.InFlight.Wrap(s.observe(s.recoverPanics(h))))
}

// withSessions loads and saves the browser session around every request
// but the probes, which must answer whether Redis does or not. A session
// store that is down answers 503, like any other backing service.
func (s *Server) withSessions(next http.Handler) http.Handler {
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client hung up (a cancelled upload): nobody to answer, nothing wrong with the store
		}
		s.Log.Error("session store", "request_id", RequestID(r.Context()), "error", err.Error())
		writeError(w, r, errUnavailable)
	}
	loaded := s.sessions.LoadAndSave(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if quietPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		loaded.ServeHTTP(w, r)
	})
}

// traced starts a span for every request but the probes, continuing a
// caller's W3C trace. observe renames it by route once the mux has matched.
func (s *Server) traced(h http.Handler) http.Handler {
	if s.Tracer == nil {
		return h
	}
	return otelhttp.NewHandler(h, "HTTP",
		otelhttp.WithTracerProvider(s.Tracer),
		otelhttp.WithPropagators(telemetry.Propagator),
		otelhttp.WithFilter(func(r *http.Request) bool { return !quietPaths[r.URL.Path] }),
	)
}

func (s *Server) registerAPI(mux *http.ServeMux) *apiMux {
	api := &apiMux{mux: mux, methods: map[string][]string{}}
	s.accountRoutes(api)
	s.fileRoutes(api)
	return api
}

// APIRoutes lists the JSON API's "METHOD /path" patterns, so a test can
// hold api/openapi.yaml to what is served.
func APIRoutes() []string {
	return (&Server{}).registerAPI(http.NewServeMux()).patterns
}

// OpsHandler serves only the operational endpoints on METRICS_PORT: for
// the worker and clock, which have no API but must be probed and scraped
// like web, and for web itself, whose /metrics is served only there.
func OpsHandler(ready *health.Readiness, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health.ServeLive)
	mux.HandleFunc("GET /ready", ready.ServeReady)
	mux.Handle("GET /metrics", metrics.Handler(reg))
	return mux
}

// apiMux registers API routes and remembers each path's methods, so that a
// wrong method gets the JSON 405 with Allow that API clients expect rather
// than the mux's plain-text one.
type apiMux struct {
	mux      *http.ServeMux
	methods  map[string][]string
	order    []string
	patterns []string
}

// HandleFunc registers "METHOD /path".
func (a *apiMux) HandleFunc(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	// "/files/{name}" and "/files/{id}" are one path to the mux.
	shape := wildcard.ReplaceAllString(path, "{x}")
	if _, ok := a.methods[shape]; !ok {
		a.order = append(a.order, shape)
	}
	a.methods[shape] = append(a.methods[shape], method)
	a.patterns = append(a.patterns, pattern)
	a.mux.HandleFunc(pattern, h)
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// finish adds the method-less fallback of every path: the mux prefers
// patterns with a method, so the fallback sees only the wrong ones.
func (a *apiMux) finish() {
	for _, path := range a.order {
		allow := strings.Join(a.methods[path], ", ")
		a.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, r, apiError(http.StatusMethodNotAllowed, "method_not_allowed", "this endpoint takes "+allow))
		})
	}
}
