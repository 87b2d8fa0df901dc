package web

import (
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
)

// newLinkKey holds, for one page view, the link of the upload the browser
// just made without JavaScript.
const newLinkKey = "new_link"

// uploadForm takes the upload form when JavaScript is off. The body is the
// same multipart one the script sends to the API, but a person gets the
// files page showing the new link instead of JSON.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request, u account.User) {
	_, sh, err := s.receiveUpload(r, u)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	if s.sessions != nil {
		s.sessions.Put(r.Context(), newLinkKey, s.shareJSON(r, sh, "").URL)
	}
	http.Redirect(w, r, "/files", http.StatusSeeOther)
}

// newLink takes the link left by uploadForm, so it shows once.
func (s *Server) newLink(r *http.Request) string {
	if s.sessions == nil {
		return ""
	}
	return s.sessions.PopString(r.Context(), newLinkKey)
}
