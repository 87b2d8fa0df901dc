package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/resumable"
)

// Resumable uploads (tus 1.0.0) are served by internal/resumable; these
// handlers authenticate, as for the rest of the API, and hand Ferry's own
// failures back to the error table (s.fail).

// tusOptions answers the protocol's discovery, with no account needed.
func (s *Server) tusOptions(w http.ResponseWriter, r *http.Request) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	s.Uploads.Options(w, r)
}

// tusCreate starts a tus upload: the signed-in user's own, or, when its
// metadata names a file request (`request`), an upload to that request
// from anyone, under the request's password and the anonymous rate limit.
func (s *Server) tusCreate(w http.ResponseWriter, r *http.Request) {
	if token := resumable.RequestToken(r); token != "" {
		s.tusCreateForRequest(w, r, token)
		return
	}
	u, err := s.user(r)
	if err == nil && s.Uploads == nil {
		err = errNoResumable
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Uploads.Create(w, r, u, s.fail)
}

// tusCreateForRequest starts a tus upload to the file request token names.
func (s *Server) tusCreateForRequest(w http.ResponseWriter, r *http.Request, token string) {
	var err error
	if s.Uploads == nil {
		err = errNoResumable
	}
	if err == nil {
		err = s.limitRequestUpload(r)
	}
	var q filerequest.Request
	if err == nil {
		q, err = s.openRequest(r, token)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Uploads.CreateForRequest(w, r, q, s.fail)
}

// tusUpload serves HEAD, PATCH and DELETE of one upload: the signed-in
// user's, or, for a request without credentials, an upload to a file
// request, which its id alone opens.
func (s *Server) tusUpload(w http.ResponseWriter, r *http.Request) {
	u, err := s.user(r)
	anonymous := errors.Is(err, errUnauthorized) && r.Header.Get("Authorization") == ""
	switch {
	case err != nil && !anonymous:
		s.fail(w, r, err)
	case s.Uploads == nil && anonymous:
		s.fail(w, r, err)
	case s.Uploads == nil:
		s.fail(w, r, errNoResumable)
	case anonymous:
		s.Uploads.ServeForRequest(w, r, s.fail)
	default:
		s.Uploads.Serve(w, r, u, s.fail)
	}
}

type uploadJSON struct {
	ID     string    `json:"id"`
	Offset int64     `json:"offset"`
	Length int64     `json:"length"`
	File   *fileJSON `json:"file"`
}

// uploadStatus answers GET /api/v1/uploads/{id}: how far the upload is,
// and once it is a file, the file with its share.
func (s *Server) uploadStatus(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	st, err := s.Uploads.Status(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := uploadJSON{ID: st.ID, Offset: st.Offset, Length: st.Length}
	if st.FileID != "" {
		f, err := s.Sharing.File(r.Context(), u, st.FileID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := s.fileJSON(r, f.File, f.Share)
		out.File = &v
	}
	writeJSON(w, http.StatusOK, out)
}

var errNoResumable = apiError(http.StatusNotImplemented, "not_implemented", "resumable uploads need an s3:// or file:// BLOB_URL")
