// Package web is Ferry's HTTP face: the JSON API, the pages and the
// operational endpoints, all listed in Handler.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/session"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/telemetry"
)

// Settings are the configuration values the handlers act on.
type Settings struct {
	PublicURL        string // no trailing slash
	MaxUploadSize    int64
	UserQuota        int64 // 0: no limit
	Shares           share.Limits
	SignupEnabled    bool
	SignupRateClient int // signups an hour per client group; 0: 5
	SignupRateTotal  int // signups an hour from everyone; 0: 100
	AnonymousUploads bool
	TrustedProxies   []netip.Prefix
	DownloadMode     string // "proxy" or "redirect"
	RedisPrefix      string // before every Redis key; "ferry:" unless set
	// UploadIdleTimeout cuts off an upload body that sends nothing for
	// this long; BodyTimeout bounds every other body whole. 0: no bound.
	UploadIdleTimeout, BodyTimeout time.Duration
	// UploadMinRate is the bytes a second an upload body must average
	// over each UploadIdleTimeout; 0: any progress will do.
	UploadMinRate int64
	// UploadChunkSize is the size of each tus PATCH the upload page
	// sends (UPLOAD_CHUNK_SIZE); 0: 50 MiB.
	UploadChunkSize int64
}

// Deps are the parts a Server is built from; the command that runs the web
// process builds them once.
type Deps struct {
	Log      *slog.Logger
	Ready    *health.Readiness
	Registry *prometheus.Registry
	InFlight *server.InFlight
	Sharing  *sharing.Service     // files, shares and downloads
	Accounts *account.Service     // users, passwords and API tokens
	Audit    *audit.Log           // the audit log; nil: events are only logged
	Uploads  *resumable.Service   // tus uploads; nil: refused with 501
	Redis    *redis.Client        // sessions and rate limits
	Tracer   trace.TracerProvider // nil while tracing is off
	Settings Settings
}

// Server holds what the handlers need.
type Server struct {
	Deps
	metrics   *metrics.HTTP
	transfers *metrics.Transfers
	sessions  *scs.SessionManager
	epochs    session.Epochs
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
		s.epochs = session.Epochs{Redis: d.Redis, Prefix: s.Settings.RedisPrefix + "epoch:"}
		s.limiter = redis_rate.NewLimiter(d.Redis)
	}
	return s
}

// Handler lists every route Ferry serves, wrapped in the middleware every
// request passes through.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health.ServeLive)
	mux.HandleFunc("GET /ready", s.Ready.ServeReady)
	// No /metrics here: it is served on METRICS_PORT (OpsHandler), apart
	// from the public port, where it would show traffic to anyone.
	pages := &recordingMux{ServeMux: mux}
	s.pageRoutes(pages)
	api := s.registerAPI(mux)
	api.finish()
	s.publicRoutes(pages)
	s.metrics.Prepare(append(pages.patterns, api.patterns...))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { writeError(w, r, errNotFound) })
	// Cross-origin state changes from browsers are refused everywhere;
	// requests without browser headers (curl, API clients) pass.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, errCrossOrigin) }))
	var h http.Handler = cop.Handler(s.bodyDeadlines(mux, routed(mux)))
	if s.sessions != nil {
		h = s.withSessions(h)
	}
	return s.transportHeaders(s.traced(s.InFlight.Wrap(lingerUploads(mux, s.observe(s.recoverPanics(h))))))
}

// withSessions loads and saves the browser session around every request
// but the probes, which must answer whether Redis does or not. A session
// store that is down answers 503, like any other backing service, and
// that answer is the whole response: scs saves the session when the
// handler first writes, so a save that fails would otherwise be followed
// by the handler's own status and body.
func (s *Server) withSessions(next http.Handler) http.Handler {
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client hung up (a cancelled upload): nobody to answer, nothing wrong with the store
		}
		s.Log.ErrorContext(r.Context(), "session store", "error", err.Error())
		writeError(w, r, errUnavailable)
		if g, ok := w.(*answered); ok {
			g.done = true
		}
	}
	loaded := s.sessions.LoadAndSave(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if quietPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		loaded.ServeHTTP(&answered{ResponseWriter: w}, r)
	})
}

// errAnswered tells a handler still writing that its request was already
// answered (the session store failed) and the rest of its body is dropped.
var errAnswered = errors.New("the request was answered already")

// answered drops what is written after the response was given for good.
type answered struct {
	http.ResponseWriter
	done bool
}

func (a *answered) WriteHeader(code int) {
	if !a.done {
		a.ResponseWriter.WriteHeader(code)
	}
}

func (a *answered) Write(b []byte) (int, error) {
	if a.done {
		return 0, errAnswered
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (a *answered) Unwrap() http.ResponseWriter { return a.ResponseWriter }

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
	s.apiRoutes(api)
	return api
}

// apiRoutes lists the JSON API (api_*.go), as documented in
// api/openapi.yaml.
func (s *Server) apiRoutes(mux *apiMux) {
	mux.HandleFunc("POST /api/v1/signup", s.signup)
	mux.HandleFunc("POST /api/v1/signup/confirm", s.confirmSignup)
	mux.HandleFunc("POST /api/v1/login", s.login)
	mux.HandleFunc("POST /api/v1/logout", s.logout)
	mux.HandleFunc("GET /api/v1/me", s.authed(s.me))
	mux.HandleFunc("POST /api/v1/me/password", s.authed(s.apiChangePassword))
	mux.HandleFunc("POST /api/v1/me/sessions/revoke", s.authed(s.apiSignOutEverywhere))
	mux.HandleFunc("POST /api/v1/tokens", s.authed(s.createToken))
	mux.HandleFunc("GET /api/v1/tokens", s.authed(s.listTokens))
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", s.authed(s.revokeToken))
	mux.HandleFunc("POST /api/v1/webhooks", s.authed(s.createWebhook))
	mux.HandleFunc("GET /api/v1/webhooks", s.authed(s.listWebhooks))
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", s.authed(s.deleteWebhook))
	mux.HandleFunc("GET /api/v1/webhooks/{id}/deliveries", s.authed(s.webhookDeliveries))
	mux.HandleFunc("POST /api/v1/webhooks/{id}/test", s.authed(s.testWebhook))
	mux.HandleFunc("PUT /api/v1/files/{name}", s.putFile)
	mux.HandleFunc("POST /api/v1/files", s.postFiles)
	mux.HandleFunc("GET /api/v1/files", s.authed(s.listFiles))
	mux.HandleFunc("GET /api/v1/files/{id}", s.authed(s.getFile))
	mux.HandleFunc("DELETE /api/v1/files/{id}", s.authed(s.deleteFile))
	mux.HandleFunc("POST /api/v1/shares", s.authed(s.createShare))
	mux.HandleFunc("GET /api/v1/shares", s.authed(s.listShares))
	mux.HandleFunc("GET /api/v1/shares/{id}", s.authed(s.getShare))
	mux.HandleFunc("PATCH /api/v1/shares/{id}", s.authed(s.patchShare))
	mux.HandleFunc("DELETE /api/v1/shares/{id}", s.authed(s.deleteShare))
	mux.HandleFunc("POST /api/v1/requests", s.authed(s.createRequest))
	mux.HandleFunc("GET /api/v1/requests", s.authed(s.listRequests))
	mux.HandleFunc("GET /api/v1/requests/{id}", s.authed(s.getRequest))
	mux.HandleFunc("DELETE /api/v1/requests/{id}", s.authed(s.closeRequest))
	mux.HandleFunc("GET /api/v1/shares/{id}/downloads", s.authed(s.shareDownloads))
	mux.HandleFunc("POST /api/v1/shares/{id}/send", s.authed(s.apiSendShare))
	// tus 1.0.0 (api_uploads.go, internal/resumable).
	mux.HandleFunc("OPTIONS /api/v1/uploads", s.tusOptions)
	// Each authenticates itself: an upload to a file request needs no account.
	mux.HandleFunc("POST /api/v1/uploads", s.tusCreate)
	mux.HandleFunc("HEAD /api/v1/uploads/{id}", s.tusUpload)
	mux.HandleFunc("PATCH /api/v1/uploads/{id}", s.tusUpload)
	mux.HandleFunc("DELETE /api/v1/uploads/{id}", s.tusUpload)
	mux.HandleFunc("GET /api/v1/uploads/{id}", s.authed(s.uploadStatus))
	// Administration (api_admin.go): admins only.
	mux.HandleFunc("GET /api/v1/admin/users", s.admin(s.adminUsers))
	mux.HandleFunc("PATCH /api/v1/admin/users/{id}", s.admin(s.adminPatchUser))
	mux.HandleFunc("GET /api/v1/admin/audit", s.admin(s.adminAudit))
	mux.HandleFunc("GET /api/v1/admin/stats", s.admin(s.adminStats))
	mux.HandleFunc("POST /api/v1/admin/invites", s.admin(s.adminInvite))
	mux.HandleFunc("POST /api/v1/invites/accept", s.acceptInvite)
	mux.HandleFunc("GET /api/v1/me/audit", s.authed(s.myAudit))
}

// anyScope marks a route that any valid token may call, or that reads no
// token at all.
const anyScope account.Scope = ""

// apiScopes is the scope an API token needs for each route of apiRoutes;
// a browser session has every scope. A route missing here, like every
// page, is open only to a token holding every scope, and TestRouteScopes
// fails until it is added.
var apiScopes = map[string]account.Scope{
	"POST /api/v1/signup":               anyScope,
	"POST /api/v1/signup/confirm":       anyScope,
	"POST /api/v1/login":                anyScope,
	"POST /api/v1/logout":               anyScope,
	"GET /api/v1/me":                    anyScope, // a token may always say whose it is
	"POST /api/v1/me/password":          account.ScopeAccount,
	"POST /api/v1/me/sessions/revoke":   account.ScopeAccount,
	"POST /api/v1/tokens":               account.ScopeAccount,
	"GET /api/v1/tokens":                account.ScopeAccount,
	"DELETE /api/v1/tokens/{id}":        account.ScopeAccount,
	"PUT /api/v1/files/{name}":          account.ScopeFilesWrite,
	"POST /api/v1/files":                account.ScopeFilesWrite,
	"GET /api/v1/files":                 account.ScopeFilesRead,
	"GET /api/v1/files/{id}":            account.ScopeFilesRead,
	"DELETE /api/v1/files/{id}":         account.ScopeFilesDelete,
	"POST /api/v1/shares":               account.ScopeSharesWrite,
	"GET /api/v1/shares":                account.ScopeFilesRead,
	"GET /api/v1/shares/{id}":           account.ScopeFilesRead,
	"PATCH /api/v1/shares/{id}":         account.ScopeSharesWrite,
	"DELETE /api/v1/shares/{id}":        account.ScopeSharesWrite,
	"GET /api/v1/shares/{id}/downloads": account.ScopeFilesRead,
	"POST /api/v1/shares/{id}/send":     account.ScopeSharesWrite,
	"POST /api/v1/requests":             account.ScopeRequestsWrite,
	"GET /api/v1/requests":              account.ScopeFilesRead,
	"GET /api/v1/requests/{id}":         account.ScopeFilesRead,
	"DELETE /api/v1/requests/{id}":      account.ScopeRequestsWrite,
	"OPTIONS /api/v1/uploads":           anyScope, // tus discovery, no account needed
	"POST /api/v1/uploads":              account.ScopeFilesWrite,
	"HEAD /api/v1/uploads/{id}":         account.ScopeFilesWrite,
	"PATCH /api/v1/uploads/{id}":        account.ScopeFilesWrite,
	"DELETE /api/v1/uploads/{id}":       account.ScopeFilesWrite,
	"GET /api/v1/uploads/{id}":          account.ScopeFilesWrite,

	// Webhooks (api_webhooks.go).
	"POST /api/v1/webhooks":                account.ScopeAccount,
	"GET /api/v1/webhooks":                 account.ScopeAccount,
	"DELETE /api/v1/webhooks/{id}":         account.ScopeAccount,
	"GET /api/v1/webhooks/{id}/deliveries": account.ScopeAccount,
	"POST /api/v1/webhooks/{id}/test":      account.ScopeAccount,

	// Administration (api_admin.go).
	"GET /api/v1/admin/users":        account.ScopeAdmin,
	"PATCH /api/v1/admin/users/{id}": account.ScopeAdmin,
	"GET /api/v1/admin/audit":        account.ScopeAdmin,
	"GET /api/v1/admin/stats":        account.ScopeAdmin,
	"POST /api/v1/admin/invites":     account.ScopeAdmin,
	"POST /api/v1/invites/accept":    anyScope,
	"GET /api/v1/me/audit":           account.ScopeAccount,
}

// adminPages are the pages (ui_admin.go) a token needs the admin scope
// for, besides every other scope.
var adminPages = map[string]bool{"GET /admin": true, "POST /admin/users/{id}": true}

// pageRoutes lists the pages of the web UI and its form endpoints
// (ui_*.go), for signed-in people and for signing in.
func (s *Server) pageRoutes(mux routeMux) {
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /assets/{name}", serveAsset)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginForm)
	mux.HandleFunc("GET /signup", s.signupPage)
	mux.HandleFunc("POST /signup", s.signupForm)
	mux.HandleFunc("GET /signup/confirm", s.confirmPage)
	mux.HandleFunc("POST /signup/confirm", s.confirmForm)
	mux.HandleFunc("POST /logout", s.logoutForm)
	mux.HandleFunc("GET /invite", s.invitePage)
	mux.HandleFunc("POST /invite", s.inviteForm)
	mux.HandleFunc("GET /files", s.page(s.filesPage))
	mux.HandleFunc("POST /files", s.page(s.uploadForm))
	mux.HandleFunc("POST /files/{id}/delete", s.page(s.deleteFileForm))
	mux.HandleFunc("GET /shares", s.page(s.sharesPage))
	mux.HandleFunc("POST /shares/{id}/edit", s.page(s.editShareForm))
	mux.HandleFunc("POST /shares/{id}/end", s.page(s.endShareForm))
	mux.HandleFunc("POST /shares/{id}/again", s.page(s.againShareForm))
	mux.HandleFunc("POST /shares/{id}/send", s.page(s.sendShareForm))
	mux.HandleFunc("GET /shares/{id}/downloads", s.page(s.historyPage))
	mux.HandleFunc("GET /tokens", s.page(s.tokensPage))
	mux.HandleFunc("POST /tokens", s.page(s.createTokenForm))
	mux.HandleFunc("POST /tokens/{id}/revoke", s.page(s.revokeTokenForm))
	mux.HandleFunc("GET /account", s.page(s.accountPage))
	mux.HandleFunc("POST /account/password", s.page(s.changePasswordForm))
	mux.HandleFunc("POST /account/sign-out-everywhere", s.page(s.signOutEverywhereForm))
	mux.HandleFunc("GET /requests", s.page(s.requestsPage))
	mux.HandleFunc("POST /requests", s.page(s.createRequestForm))
	mux.HandleFunc("GET /requests/{id}", s.page(s.requestDetailPage))
	mux.HandleFunc("POST /requests/{id}/close", s.page(s.closeRequestForm))
	mux.HandleFunc("POST /requests/{id}/share", s.page(s.shareReceivedForm))
	mux.HandleFunc("POST /account/webhooks", s.page(s.createWebhookForm))
	mux.HandleFunc("POST /account/webhooks/{id}/test", s.page(s.testWebhookForm))
	mux.HandleFunc("POST /account/webhooks/{id}/delete", s.page(s.deleteWebhookForm))
	mux.HandleFunc("GET /admin", s.page(s.adminPage))
	mux.HandleFunc("POST /admin/users/{id}", s.page(s.adminUserForm))
}

// publicRoutes lists the share links (public.go, download.go) and the
// file request links (public_requests.go): anyone with a link, no
// account needed.
func (s *Server) publicRoutes(mux routeMux) {
	mux.HandleFunc("GET /s/{token}", s.sharePage)
	mux.HandleFunc("POST /s/{token}/unlock", s.unlock)
	mux.HandleFunc("GET /s/{token}/files/{id}", s.download) // GET patterns match HEAD too
	mux.HandleFunc("GET /s/{token}/files/{id}/thumbnail", s.thumbnail)
	mux.HandleFunc("GET /s/{token}/zip", s.zipShare)
	mux.HandleFunc("GET /s/{token}/qr.svg", s.qrCode)
	// File requests (public_requests.go): anyone with the link uploads.
	mux.HandleFunc("GET /r/{token}", s.requestPage)
	mux.HandleFunc("POST /r/{token}/unlock", s.unlockRequest)
	mux.HandleFunc("PUT /r/{token}/files/{name}", s.putRequestFile)
	mux.HandleFunc("POST /r/{token}/files", s.postRequestFiles)
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
