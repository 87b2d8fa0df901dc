package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/share"
)

// passwordHeader carries a share password; never a query parameter, since
// URLs end up in logs and browser history.
const passwordHeader = "Ferry-Share-Password"

// uploader is who an upload belongs to: a signed-in user, or nobody when
// the operator allows anonymous uploads (then rate limited per client).
func (s *Server) uploader(r *http.Request) (account.User, error) {
	u, err := s.user(r)
	if err == nil || !errors.Is(err, errUnauthorized) || r.Header.Get("Authorization") != "" || !s.Settings.AnonymousUploads {
		return u, err
	}
	return account.User{}, s.limit(r.Context(), "anon-upload:"+clientKey(r, s.Settings.TrustedProxies), anonymousUploadRate)
}

// putFile takes one file as the whole body (curl -T) and shares it.
func (s *Server) putFile(w http.ResponseWriter, r *http.Request) {
	asURL, err := createParams(r, putFileParams)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.uploader(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := filename.CleanPath(r.PathValue("name")) // "a%2Fb.txt" is b.txt in folder a
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := share.ParseOptions(r.URL.Query().Get, r.Header.Get(passwordHeader), s.Settings.Shares)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, sh, err := s.Sharing.Upload(r.Context(), u, name, r.Body, r.ContentLength, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.fileJSON(r, f, &sh)
	writeCreated(w, "/api/v1/files/"+f.ID, asURL, out.Share.URL, out)
}
