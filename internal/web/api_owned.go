package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
)

// listFiles answers one page of the user's files: q, sort, order, limit
// and cursor (parseListing), with the cursors of the pages beside it.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, u account.User) {
	l, err := parseListing(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Sharing.FilePage(r.Context(), u, l)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]fileJSON, 0, len(p.Files))
	for _, f := range p.Files {
		out = append(out, s.fileJSON(r, f.File, f.Share))
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out, "next_cursor": p.Next, "prev_cursor": p.Prev})
}

// defaultPage is how many files a listing holds unless limit says.
const defaultPage = 50

// listingParams are the query parameters of a files listing.
var listingParams = []string{"q", "sort", "order", "limit", "cursor"}

// parseListing reads a files listing's query: q (part of a name), sort
// (name, size, created; created by default), order (asc, desc; desc for
// created, asc otherwise), limit (1 to files.MaxPage, defaultPage) and
// cursor (a next_cursor or prev_cursor this listing gave). Any other
// parameter is unknown_parameter, a bad value invalid_parameter.
func parseListing(r *http.Request) (files.Listing, error) {
	if err := knownParams(r, listingParams); err != nil {
		return files.Listing{}, err
	}
	return listingOf(r.URL.Query())
}

// listingOf reads a listing's parameters from q, ignoring others (the My
// files page's).
func listingOf(q url.Values) (files.Listing, error) {
	l := files.Listing{Search: q.Get("q"), Sort: files.Sort(q.Get("sort")), Limit: defaultPage, Cursor: q.Get("cursor")}
	if l.Sort == "" {
		l.Sort = files.ByCreated
	}
	switch q.Get("order") {
	case "":
		l.Desc = l.Sort == files.ByCreated
	case "asc":
	case "desc":
		l.Desc = true
	default:
		return files.Listing{}, files.ErrBadListing
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return files.Listing{}, files.ErrBadListing
		}
		l.Limit = n
	}
	return l, l.Check()
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
