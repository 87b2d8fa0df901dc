package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// requestInfo is what handlers learn about a request that its log line
// should carry; the middleware owns it and handlers fill it in.
type requestInfo struct {
	id     string
	userID string
}

type infoKey struct{}

// SetUserID records who made the request, for its log line.
func SetUserID(ctx context.Context, id string) {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.userID = id
	}
}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

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

// observe gives every request an id, then logs and measures it once it is
// served. It logs the route pattern, never the raw path, which may hold a
// share token.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestID(r)}
		w.Header().Set("X-Request-ID", info.id)
		sw := &statusWriter{ResponseWriter: w}
		done := s.metrics.Start()
		// The mux records the matched pattern on the request it is given.
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		defer func() {
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			done(r.Method, route, status, time.Since(start))
			s.logRequest(r, info, route, status, sw.bytes, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, info *requestInfo, route string, status int, bytes int64, d time.Duration) {
	level := slog.LevelInfo
	if quietRoutes[route] {
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.id), slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", status), slog.Int64("bytes", bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
	}
	if info.userID != "" {
		attrs = append(attrs, slog.String("user_id", info.userID))
	}
	s.Log.LogAttrs(r.Context(), level, "request", attrs...)
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
				s.Log.Error("handler panic", "request_id", RequestID(r.Context()), "panic", v)
				writeError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
