package web

import (
	"net/http"
	"strings"
)

// hstsHeader tells browsers to come back only over https, for a year,
// subdomains included.
const hstsHeader = "max-age=31536000; includeSubDomains"

// transportHeaders sets, on every response, Strict-Transport-Security when
// Ferry is served over https, and X-Robots-Tag on the share links, which
// are private to whoever was given them and must not be indexed.
func (s *Server) transportHeaders(next http.Handler) http.Handler {
	https := strings.HasPrefix(s.Settings.PublicURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if https {
			w.Header().Set("Strict-Transport-Security", hstsHeader)
		}
		if strings.HasPrefix(r.URL.Path, "/s/") {
			w.Header().Set("X-Robots-Tag", "noindex, nofollow")
		}
		next.ServeHTTP(w, r)
	})
}
