package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// requestsView is what the Requests page shows: the user's requests with
// their counters, the form for a new one, and the link of the one just
// made or the reason the form was refused.
type requestsView struct {
	Requests []requestJSON
	Expiry   []expiryChoice
	NewLink  string
	Problem  string
}

func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showRequests(w, r, u, http.StatusOK, requestsView{})
}

func (s *Server) showRequests(w http.ResponseWriter, r *http.Request, u account.User, status int, v requestsView) {
	list, err := s.Sharing.Requests(r.Context(), u)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	for _, q := range list {
		v.Requests = append(v.Requests, s.requestJSON(r, q))
	}
	v.Expiry = expiryChoices(s.Settings.Shares)
	s.render(w, r, status, "requests", v)
}

// requestForm reads the new-request form: sizes as people write them
// ("500 MB"), an empty number meaning no limit.
func requestForm(r *http.Request) (filerequest.Input, error) {
	in := filerequest.Input{Title: r.PostFormValue("title"), Message: r.PostFormValue("message"),
		ExpiresIn: r.PostFormValue("expires_in"), Password: r.PostFormValue("password")}
	notify := r.PostFormValue("notify") == "true"
	in.Notify = &notify
	if v := strings.TrimSpace(r.PostFormValue("max_files")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, apiError(http.StatusBadRequest, "invalid_field", "max_files: must be a whole number from 1 to 10000")
		}
		in.MaxFiles = &n
	}
	if v := strings.TrimSpace(r.PostFormValue("max_bytes")); v != "" {
		b, err := units.ParseBytes(v)
		if err != nil {
			return in, apiError(http.StatusBadRequest, "invalid_field", "max_bytes: must be a size such as 500MB or 2GiB")
		}
		n := int64(b)
		in.MaxBytes = &n
	}
	return in, nil
}

func (s *Server) createRequestForm(w http.ResponseWriter, r *http.Request, u account.User) {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	in, err := requestForm(r)
	var o filerequest.Options
	if err == nil {
		o, err = filerequest.Parse(in, s.Settings.Shares)
	}
	var q filerequest.Request
	if err == nil {
		q, err = s.Sharing.CreateRequest(r.Context(), u, o)
	}
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 {
		s.showRequests(w, r, u, e.Status, requestsView{Problem: sentence(e.Message)})
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.showRequests(w, r, u, http.StatusOK, requestsView{NewLink: s.baseURL(r) + "/r/" + q.Token})
}

func (s *Server) requestDetailPage(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showRequest(w, r, u, http.StatusOK, "")
}

// showRequest renders one of u's requests with its files and the form
// that shares them on; problem is why that form was refused.
func (s *Server) showRequest(w http.ResponseWriter, r *http.Request, u account.User, status int, problem string) {
	q, got, err := s.Sharing.Request(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.render(w, r, status, "request", map[string]any{"Request": s.requestJSON(r, q), "Files": got,
		"Expiry": expiryChoices(s.Settings.Shares), "Problem": problem})
}

// shareReceivedForm makes a link to the received files ticked on a
// request's page, with the form's expiry, limit and password, and shows
// it once on the Shares page.
func (s *Server) shareReceivedForm(w http.ResponseWriter, r *http.Request, u account.User) {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	if err := r.ParseForm(); err != nil {
		s.failPage(w, r, apiError(http.StatusBadRequest, "invalid_form", "the form could not be read"))
		return
	}
	opts, err := share.ParseOptions(r.PostForm.Get, r.PostForm.Get("password"), s.Settings.Shares)
	var sh share.Share
	if err == nil {
		ids := r.PostForm["file_id"]
		if len(ids) == 0 {
			err = &share.FieldError{Field: "files", Message: "tick at least one file to share"}
		} else {
			sh, err = s.Sharing.ShareReceived(r.Context(), u, r.PathValue("id"), ids, opts)
		}
	}
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 && e.Status != http.StatusNotFound {
		s.showRequest(w, r, u, e.Status, sentence(e.Message))
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	if s.sessions != nil {
		s.sessions.Put(r.Context(), newLinkKey, s.shareJSON(r, sh, "").URL)
	}
	http.Redirect(w, r, "/shares", http.StatusSeeOther)
}

func (s *Server) closeRequestForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.CloseRequest(r.Context(), u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests", http.StatusSeeOther)
}

// renderInbox shows a request's public page: what it asks for and the
// upload form; sent says the form's files just arrived.
func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, q filerequest.Request, msg string, sent bool) {
	s.render(w, r, http.StatusOK, "inbox", map[string]any{"Request": s.publicRequestJSON(r, q), "Token": q.Token,
		"Tus": s.Uploads != nil, "ChunkSize": s.chunkSize(), "Sent": sent, "Message": msg})
}

func (s *Server) renderRequestLocked(w http.ResponseWriter, r *http.Request, token, msg string) {
	s.render(w, r, http.StatusUnauthorized, "locked", map[string]any{"Token": token, "Message": msg, "Action": "/r/" + token + "/unlock"})
}

// failRequest answers a failed request-link request as failPublic does a
// share link's: JSON for API clients, a page for browsers.
func (s *Server) failRequest(w http.ResponseWriter, r *http.Request, err error) {
	e := toHTTP(err)
	if e != nil && e.Code == "password_required" && strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.renderRequestLocked(w, r, r.PathValue("token"), "")
		return
	}
	if e != nil && e.Status == http.StatusGone && strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.errorPage(w, r, e, "This request is closed")
		return
	}
	s.failPublic(w, r, err)
}
