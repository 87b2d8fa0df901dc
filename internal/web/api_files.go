package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/download"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

func (s *Server) fileRoutes(mux *apiMux) {
	mux.HandleFunc("PUT /api/v1/files/{name}", s.putFile)
	mux.HandleFunc("POST /api/v1/files", s.postFiles)
	mux.HandleFunc("GET /api/v1/files", s.authed(s.listFiles))
	mux.HandleFunc("GET /api/v1/files/{id}", s.authed(s.getFile))
	mux.HandleFunc("DELETE /api/v1/files/{id}", s.authed(s.deleteFile))
	mux.HandleFunc("POST /api/v1/shares", s.authed(s.createShare))
	mux.HandleFunc("GET /api/v1/shares", s.authed(s.listShares))
	mux.HandleFunc("DELETE /api/v1/shares/{id}", s.authed(s.deleteShare))
}

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
	return account.User{}, s.limit(r.Context(), "anon-upload:"+clientAddr(r, s.Settings.TrustedProxies), anonymousUploadRate)
}

// uploadLimit is the most one upload by u may hold: the size limit, or the
// room left in u's quota when that is smaller. overQuota says which binds.
func (s *Server) uploadLimit(ctx context.Context, u account.User) (limit int64, overQuota bool, err error) {
	limit = s.Settings.MaxUploadSize
	if u.ID == "" {
		return limit, false, nil
	}
	room, err := files.Room(ctx, s.DB, u.ID, s.Settings.UserQuota)
	if err != nil || room < 0 || room >= limit {
		return limit, false, err
	}
	return room, true, nil
}

// sizeError is the answer for an upload past limit.
func sizeError(overQuota bool) error {
	if overQuota {
		return errOverQuota
	}
	return errTooLarge
}

func (s *Server) putFile(w http.ResponseWriter, r *http.Request) {
	u, err := s.uploader(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := filename.Clean(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := share.ParseOptions(r.URL.Query().Get, r.Header.Get(passwordHeader), s.Settings.Shares)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, overQuota, err := s.uploadLimit(r.Context(), u)
	if err == nil && r.ContentLength > limit {
		err = sizeError(overQuota) // refuse before reading a byte
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	got, err := s.store().Receive(r.Context(), files.Incoming{Body: r.Body, Length: r.ContentLength, Limit: limit, Disposition: download.Attachment(name)})
	if err != nil {
		s.fail(w, r, uploadError(err, overQuota))
		return
	}
	saved, sh, err := s.commit(r.Context(), u, []upload{{name, got}}, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.fileJSON(r, saved[0], &sh))
}

// uploadError turns a failed receive into its answer.
func uploadError(err error, overQuota bool) error {
	var tl *files.TooLargeError
	if errors.As(err, &tl) {
		return sizeError(overQuota)
	}
	return err
}

// upload is one received object waiting for its row.
type upload struct {
	name string
	got  files.Received
}

// commit records complete objects as files with one share for all, in one
// transaction. If anything fails the objects are deleted, so a failed
// upload leaves neither a row nor an object behind.
func (s *Server) commit(ctx context.Context, u account.User, ups []upload, opts share.Options) ([]files.File, share.Share, error) {
	saved, sh, err := s.insert(ctx, u, ups, opts)
	if err != nil {
		s.discard(ctx, ups)
	}
	return saved, sh, err
}

func (s *Server) insert(ctx context.Context, u account.User, ups []upload, opts share.Options) ([]files.File, share.Share, error) {
	hash, err := sharePasswordHash(opts.Password)
	if err != nil {
		return nil, share.Share{}, err
	}
	var saved []files.File
	var sh share.Share
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		ids := make([]string, 0, len(ups))
		for _, up := range ups {
			f, err := files.Insert(ctx, tx, u.ID, up.name, up.got, s.Settings.UserQuota)
			if err != nil {
				return err
			}
			saved, ids = append(saved, f), append(ids, f.ID)
		}
		if sh, err = share.Create(ctx, tx, u.ID, ids, opts, hash); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.enqueue(ctx, tx, jobs.ProcessFileArgs{FileID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	return saved, sh, err
}

// enqueue inserts a job in the caller's transaction, so the job exists
// exactly when the rows that call for it do.
func (s *Server) enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if s.Jobs == nil {
		return nil
	}
	if _, err := s.Jobs.InsertTx(ctx, tx, args, jobs.From(ctx, RequestID(ctx))); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// sharePasswordHash hashes a share password, or returns "" for none.
func sharePasswordHash(password string) (string, error) {
	if password == "" {
		return "", nil
	}
	return account.HashPassword(password, account.DefaultParams)
}

// discard deletes objects whose rows were never written. It runs even when
// the client has gone, which is often why it runs.
func (s *Server) discard(ctx context.Context, ups []upload) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, up := range ups {
		if err := s.Bucket.Delete(ctx, up.got.Key); err != nil {
			s.Log.Warn("delete object of failed upload; the orphan sweep will retry", "key", up.got.Key, "error", err.Error())
		}
	}
}
