package web

import (
	"net/http"
	"strconv"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/share"
)

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Sharing.Files(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]fileJSON, 0, len(list))
	for _, f := range list {
		out = append(out, s.fileJSON(r, f.File, f.Share))
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out})
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request, u account.User) {
	f, err := s.Sharing.File(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.fileJSON(r, f.File, f.Share))
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.DeleteFile(r.Context(), u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type shareRequest struct {
	FileIDs      []string `json:"file_ids"`
	ExpiresIn    string   `json:"expires_in"`
	MaxDownloads *int     `json:"max_downloads"`
	Password     string   `json:"password"`
	Notify       bool     `json:"notify"`
}

// get lets ParseOptions read a JSON request like a form.
func (q shareRequest) get(key string) string {
	switch key {
	case "expires_in":
		return q.ExpiresIn
	case "max_downloads":
		if q.MaxDownloads != nil {
			return strconv.Itoa(*q.MaxDownloads)
		}
	case "notify":
		if q.Notify {
			return "true"
		}
	}
	return ""
}

func (s *Server) createShare(w http.ResponseWriter, r *http.Request, u account.User) {
	asURL, err := createParams(r, createdParams)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req shareRequest
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := share.ParseOptions(req.get, req.Password, s.Settings.Shares)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.Sharing.Share(r.Context(), u, req.FileIDs, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.shareJSON(r, sh, "")
	out.FileIDs = req.FileIDs
	writeCreated(w, out.URL, asURL, out.URL, out)
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Sharing.Shares(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]listedShareJSON, 0, len(list))
	for _, l := range list {
		out = append(out, s.listedShareJSON(r, l))
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": out})
}

func (s *Server) deleteShare(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.EndShare(r.Context(), u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
