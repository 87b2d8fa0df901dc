package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ferryhq/ferry/internal/qrsvg"
)

// qrCode answers a share link as a QR code in SVG, under the share page's
// liveness rules (unknown 404, ended 410). A password share's code is
// shown too: it holds only the link, which asks for the password.
func (s *Server) qrCode(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if _, _, err := s.Sharing.OpenShare(r.Context(), token); err != nil {
		s.failPublic(w, r, err)
		return
	}
	svg, err := qrsvg.SVG(s.baseURL(r) + "/s/" + token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(len(svg)))
	h.Set("Content-Security-Policy", storedFileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "private, no-cache") // the link may end
	_, _ = w.Write(svg)
}

// qrPath is the path of the QR code of the share link u, for an img on
// this site's pages, or "" when u is no share link.
func qrPath(u string) string {
	p := sharePath(u)
	if p == "" {
		return ""
	}
	return p + "/qr.svg"
}

// sharePath is the /s/{token} path of the share URL u, or "".
func sharePath(u string) string {
	i := strings.Index(u, "/s/")
	if i < 0 {
		return ""
	}
	token := u[i+3:]
	if token == "" || strings.ContainsAny(token, "/?#") {
		return ""
	}
	return "/s/" + token
}
