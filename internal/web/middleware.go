package web

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/logging"
)

// requestID keeps a caller's X-Request-ID when it is short and plain, so a
// trace through proxies keeps one id, and makes one otherwise.
func requestID(r *http.Request) string {
	id := r.Header.Get("X-Request-ID")
	if id != "" && len(id) <= 128 && strings.Trim(id, safeIDChars) == "" {
		return id
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const safeIDChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"

// statusWriter remembers the status and counts the bytes of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// quietRoutes are probed every few seconds; their lines go to debug level so
// they do not drown the requests people make.
var quietRoutes = map[string]bool{"GET /health": true, "GET /ready": true, "GET /metrics": true}

// quietPaths are the same probes by path, for what runs before the mux.
var quietPaths = map[string]bool{"/health": true, "/ready": true, "/metrics": true}

// transferRoutes are the routes whose bodies are what users come for; their
// bytes and outcomes are counted apart from the request series.
var transferRoutes = map[string]string{
	"PUT /api/v1/files/{name}": "upload", "POST /api/v1/files": "upload",
	"GET /s/{token}/files/{id}": "download", "GET /s/{token}/zip": "download",
}

// observe gives every request an id, then logs and measures it once it is
// served. It logs the route pattern, never the raw path, which may hold a
// share token.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &logging.Request{ID: requestID(r)}
		w.Header().Set("X-Request-ID", info.ID)
		sw := &statusWriter{ResponseWriter: w}
		body := &countingBody{ReadCloser: r.Body}
		done := s.metrics.Start()
		ctx := logging.WithRequest(r.Context(), info)
		r = r.WithContext(audit.WithClient(ctx, clientKey(r, s.Settings.TrustedProxies)))
		r.Body = body
		defer func() {
			aborted := recover()
			route := info.Route
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			done(r.Method, route, status, time.Since(start))
			s.countTransfer(route, status, sw, body, aborted == nil)
			nameSpan(r, route)
			s.logRequest(r, route, status, sw.bytes, time.Since(start))
			if aborted != nil {
				panic(aborted) // net/http cuts the connection, so the client sees a broken body
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// routed serves mux and notes the pattern it matched. The mux records it
// on the request it is given, which middleware between here and observe
// (sessions, for one) may have replaced with a copy.
func routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if info := logging.RequestOf(r.Context()); info != nil {
				info.Route = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// countTransfer records an upload's or download's bytes and outcome.
func (s *Server) countTransfer(route string, status int, sw *statusWriter, body *countingBody, finished bool) {
	switch transferRoutes[route] {
	case "upload":
		s.transfers.Uploaded(status, body.n, finished && !body.broken)
	case "download":
		if status != http.StatusOK && status != http.StatusPartialContent {
			s.transfers.Downloaded(status, 0, finished) // an error body is no file
			return
		}
		want, err := strconv.ParseInt(sw.Header().Get("Content-Length"), 10, 64)
		whole := err != nil || sw.bytes == want
		s.transfers.Downloaded(status, sw.bytes, finished && whole)
	}
}

// nameSpan names the request's span by its route pattern once the mux has
// matched it: raw paths would make one name per share token.
func nameSpan(r *http.Request, route string) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	span.SetName(route)
	// The raw path may hold a share token; the pattern stands in for it.
	_, path, _ := strings.Cut(route, " ")
	span.SetAttributes(attribute.String("http.route", route), attribute.String("url.path", path))
}

// countingBody counts the request body's bytes and notes a read that
// failed, as when a client hangs up mid-upload.
type countingBody struct {
	io.ReadCloser
	n      int64
	broken bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		b.broken = true
	}
	return n, err
}

// logRequest writes the request's one line; the logger adds its request
// id, user id and trace from the context.
func (s *Server) logRequest(r *http.Request, route string, status int, bytes int64, d time.Duration) {
	level := slog.LevelInfo
	if quietRoutes[route] {
		level = slog.LevelDebug
	}
	s.Log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", status), slog.Int64("bytes", bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000))
}

// recoverPanics turns a handler panic into a 500 and one log line, instead
// of a dropped connection and a stack trace on stdout.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "handler panic", "panic", v)
				writeError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
