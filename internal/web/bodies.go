package web

import (
	"net/http"

	"github.com/ferryhq/ferry/internal/server"
)

// uploadRoutes are the routes whose body is a file, which may take hours
// on a slow link: it need only keep moving. Every other body is small
// JSON or a form and must arrive whole within BodyTimeout. A new route
// that takes a file belongs here.
var uploadRoutes = map[string]bool{
	"PUT /api/v1/files/{name}": true, "POST /api/v1/files": true, "POST /files": true,
	"POST /api/v1/uploads": true, "PATCH /api/v1/uploads/{id}": true, // tus creation-with-upload, and its chunks
}

// bodyDeadlines bounds how long a client may take to send its request
// body, so that connections trickling bytes cannot pile up: there is no
// server-wide ReadTimeout, which would cut off large uploads. It looks the
// route up in mux, before the mux runs it.
func (s *Server) bodyDeadlines(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			_, pattern := mux.Handler(r)
			switch {
			case uploadRoutes[pattern] && s.Settings.UploadIdleTimeout > 0:
				server.IdleBody(w, r, s.Settings.UploadIdleTimeout)
			case !uploadRoutes[pattern] && s.Settings.BodyTimeout > 0:
				server.BodyDeadline(w, r, s.Settings.BodyTimeout)
			}
		}
		next.ServeHTTP(w, r)
	})
}
