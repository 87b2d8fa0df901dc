package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
)

// unlockedKey marks, in a browser session, a share whose password it
// gave; the value is unlockMark of the password's hash then.
func unlockedKey(token string) string { return "unlocked:" + token }

// unlockMark stands for a share's password hash in a session that gave
// that password: when the owner changes or removes the password, the mark
// no longer matches, so the session has to give the new one.
func unlockMark(hash string) string {
	sum := sha256.Sum256([]byte("ferry unlock\x00" + hash))
	return hex.EncodeToString(sum[:12])
}

var errWrongSharePassword = apiError(http.StatusUnauthorized, "wrong_password", "that is not this link's password")

// unlocked says whether the request may open a password share: its browser
// session gave the password before, or the Ferry-Share-Password header
// holds it now. Open shares need neither, and the fast path asks nothing.
func (s *Server) unlocked(r *http.Request, token string) (bool, error) {
	if s.sessions != nil {
		if mark := s.sessions.GetString(r.Context(), unlockedKey(token)); mark != "" {
			_, hash, err := s.Sharing.PasswordHash(r.Context(), token)
			if err != nil || hash == "" || unlockMark(hash) == mark {
				return err == nil, err
			}
		}
	}
	password := r.Header.Get(passwordHeader)
	if password == "" {
		return false, nil
	}
	return true, s.checkSharePassword(r, token, password)
}

// checkSharePassword verifies a share password under the limits sign-in
// has: the client group's rate at this share, then unlockRule, so
// guessing is slow for one client and for many while the recipient, from
// a client that has not guessed wrong, still gets in during an attack.
func (s *Server) checkSharePassword(r *http.Request, token, password string) error {
	id, hash, err := s.Sharing.PasswordHash(r.Context(), token)
	if err != nil || hash == "" {
		return err
	}
	return s.checkLinkPassword(r, "unlock:"+id, id, hash, password)
}

// checkLinkPassword verifies password against hash, a link's password:
// first the client group's rate under rateKey, then the guesses of
// unlockRule under guessKey.
func (s *Server) checkLinkPassword(r *http.Request, rateKey, guessKey, hash, password string) error {
	ctx := r.Context()
	if err := s.limit(ctx, rateKey+":"+clientKey(r, s.Settings.TrustedProxies), unlockClientRate); err != nil {
		return err
	}
	g := s.guessesAt(r, unlockRule, guessKey)
	if err := g.check(ctx); err != nil {
		return err
	}
	ok, err := s.Accounts.VerifyPassword(ctx, hash, password)
	if err != nil {
		return err
	}
	if !ok {
		if err := g.failed(ctx); err != nil {
			return err
		}
		return errWrongSharePassword
	}
	return g.succeeded(ctx)
}

// wantsJSON reports whether the client asked for JSON rather than a page.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

type publicFileJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	ContentType  string `json:"content_type"`
	DownloadURL  string `json:"download_url"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
}

// sharePage shows a share without spending a download. A locked share
// shows only its password form: no file names, ids or URLs.
func (s *Server) sharePage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	sh, fs, err := s.Sharing.OpenShare(r.Context(), token)
	locked := false
	if err == nil && sh.HasPassword {
		var unlocked bool
		unlocked, err = s.unlocked(r, token)
		locked = !unlocked
	}
	switch {
	case err != nil:
		s.failPublic(w, r, err)
	case wantsJSON(r) && locked:
		s.fail(w, r, share.ErrLocked)
	case wantsJSON(r):
		writeJSON(w, http.StatusOK, s.publicShareJSON(r, sh, fs))
	default:
		s.renderShare(w, r, sh, fs, locked, "")
	}
}

func (s *Server) publicShareJSON(r *http.Request, sh share.Share, fs []files.File) map[string]any {
	link := s.baseURL(r) + "/s/" + sh.Token
	out := make([]publicFileJSON, 0, len(fs))
	for _, f := range fs {
		v := publicFileJSON{ID: f.ID, Name: f.Name, Size: f.Size, ContentType: f.ContentType, DownloadURL: link + "/files/" + f.ID}
		if f.ThumbKey != "" {
			v.ThumbnailURL = v.DownloadURL + "/thumbnail"
		}
		out = append(out, v)
	}
	var limit *int
	if sh.MaxDownloads > 0 {
		limit = &sh.MaxDownloads
	}
	return map[string]any{"files": out, "zip_url": link + "/zip", "expires_at": sh.ExpiresAt, "downloads": sh.Downloads, "max_downloads": limit}
}

// unlock takes the password form, remembers the share as unlocked in the
// browser's session and sends the browser back to the share page.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	if err := r.ParseForm(); err != nil {
		s.failPublic(w, r, apiError(http.StatusBadRequest, "invalid_form", "send the password as a form field"))
		return
	}
	err := s.checkSharePassword(r, token, r.PostForm.Get("password"))
	if errors.Is(err, errWrongSharePassword) && !wantsJSON(r) {
		s.renderLocked(w, r, token, "That is not the password. Try again.")
		return
	}
	var hash string
	if err == nil {
		_, hash, err = s.Sharing.PasswordHash(r.Context(), token)
	}
	if err == nil {
		err = s.sessions.RenewToken(r.Context())
	}
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), unlockedKey(token), unlockMark(hash))
	http.Redirect(w, r, "/s/"+token, http.StatusSeeOther)
}
