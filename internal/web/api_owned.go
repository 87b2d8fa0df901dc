package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := files.List(r.Context(), s.DB, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	latest, err := share.Latest(r.Context(), s.DB, fileIDs(list))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]fileJSON, 0, len(list))
	for _, f := range list {
		out = append(out, s.fileJSON(r, f, shareOrNil(latest, f.ID)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out})
}

func fileIDs(list []files.File) []string {
	ids := make([]string, len(list))
	for i, f := range list {
		ids[i] = f.ID
	}
	return ids
}

func shareOrNil(m map[string]share.Share, id string) *share.Share {
	if sh, ok := m[id]; ok {
		return &sh
	}
	return nil
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request, u account.User) {
	f, err := files.Get(r.Context(), s.DB, u.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	latest, err := share.Latest(r.Context(), s.DB, []string{f.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.fileJSON(r, f, shareOrNil(latest, f.ID)))
}

// deleteFile removes the row, so every link to the file stops at once,
// with a job that deletes its objects in the same transaction; the objects
// are deleted inline too, and the job then finds nothing left to do.
func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.removeFile(r.Context(), u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// removeFile deletes one of u's files, its row and job in one transaction,
// then its objects.
func (s *Server) removeFile(ctx context.Context, u account.User, id string) error {
	var keys []string
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if keys, err = files.Delete(ctx, tx, u.ID, id); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, jobs.DeleteObjectsArgs{Keys: keys})
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		s.deleteObject(ctx, key)
	}
	return nil
}

// deleteObject removes a stored object whose row is gone; a failure is
// logged and left to the delete job.
func (s *Server) deleteObject(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		s.Log.Warn("delete object; the delete job will retry", "key", key, "error", err.Error())
	}
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
	sh, err := s.newShare(r.Context(), u, req.FileIDs, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.shareJSON(r, sh, "")
	out.FileIDs = req.FileIDs
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) newShare(ctx context.Context, u account.User, ids []string, opts share.Options) (share.Share, error) {
	hash, err := sharePasswordHash(opts.Password)
	if err != nil {
		return share.Share{}, err
	}
	var sh share.Share
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := share.CheckOwned(ctx, tx, u.ID, ids); err != nil {
			return err
		}
		sh, err = share.Create(ctx, tx, u.ID, ids, opts, hash)
		return err
	})
	return sh, err
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := share.List(r.Context(), s.DB, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]shareJSON, 0, len(list))
	for _, l := range list {
		v := s.shareJSON(r, l.Share, "")
		v.FileIDs = l.FileIDs
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": out})
}

func (s *Server) deleteShare(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := share.Delete(r.Context(), s.DB, u.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
