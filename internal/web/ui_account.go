package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/logging"
)

// sessionEpochKey holds, in a browser session, the user's sign-out epoch
// at sign-in; raising the epoch in Redis ends every older session.
const sessionEpochKey = "epoch"

// signIn puts u in a fresh session, so one planted before cannot be ridden,
// stamped with the user's epoch.
func (s *Server) signIn(r *http.Request, u account.User) error {
	n, err := s.epochs.Current(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Remove(r.Context(), newLinkKey) // a link left by whoever used this browser before
	s.sessions.Put(r.Context(), sessionUserKey, u.ID)
	s.sessions.Put(r.Context(), sessionEpochKey, n)
	logging.SetUserID(r.Context(), u.ID)
	return nil
}

// sessionCurrent says whether a session signed in before the user last
// signed out everywhere.
func (s *Server) sessionCurrent(r *http.Request, userID string) (bool, error) {
	n, err := s.epochs.Current(r.Context(), userID)
	if err != nil {
		return false, err
	}
	return s.sessions.GetInt64(r.Context(), sessionEpochKey) == n, nil
}

// signOutEverywhere ends every browser session of u, this one included.
// API tokens are not sessions and stay valid.
func (s *Server) signOutEverywhere(r *http.Request, u account.User) error {
	if err := s.epochs.Raise(r.Context(), u.ID); err != nil {
		return err
	}
	s.securityEvent(r, eventSessionsRevoked)
	return s.sessions.Destroy(r.Context())
}

var errWrongCurrentPassword = apiError(http.StatusUnauthorized, "wrong_password", "the current password is wrong")

// changePassword sets u's new password and ends u's other sessions; a
// browser that asked stays signed in.
func (s *Server) changePassword(r *http.Request, u account.User, current, next string) error {
	if err := s.limit(r.Context(), "password:"+u.ID, passwordChangeRate); err != nil {
		return err
	}
	err := s.Accounts.ChangePassword(r.Context(), u, current, next)
	if errors.Is(err, account.ErrWrongPassword) || errors.Is(err, account.ErrNotFound) {
		return errWrongCurrentPassword
	}
	if err != nil {
		return err
	}
	s.securityEvent(r, eventPasswordChanged)
	if err := s.epochs.Raise(r.Context(), u.ID); err != nil {
		return err
	}
	if s.sessions.GetString(r.Context(), sessionUserKey) == u.ID {
		return s.signIn(r, u)
	}
	return nil
}

// apiChangePassword answers POST /api/v1/me/password.
func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, u account.User) {
	var body struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	err := readJSON(w, r, &body)
	if err == nil {
		err = s.changePassword(r, u, body.Current, body.New)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiSignOutEverywhere answers POST /api/v1/me/sessions/revoke.
func (s *Server) apiSignOutEverywhere(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.signOutEverywhere(r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) changePasswordForm(w http.ResponseWriter, r *http.Request, u account.User) {
	err := s.changePassword(r, u, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 {
		s.showAccount(w, r, u, http.StatusBadRequest, e.Message, "")
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.showAccount(w, r, u, http.StatusOK, "", "Your password is changed. Other browsers were signed out.")
}

func (s *Server) signOutEverywhereForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.signOutEverywhere(r, u); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showAccount(w, r, u, http.StatusOK, "", "")
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, u account.User, status int, problem, done string) {
	s.renderAccount(w, r, u, status, problem, done, webhooksView{})
}

// showAccountWith renders the account page with the Webhooks section's
// message or new secret.
func (s *Server) showAccountWith(w http.ResponseWriter, r *http.Request, u account.User, status int, v webhooksView) {
	s.renderAccount(w, r, u, status, "", "", v)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, u account.User, status int, problem, done string, v webhooksView) {
	if err := s.webhookList(r, u, &v); err != nil {
		s.failPage(w, r, err)
		return
	}
	s.render(w, r, status, "account", map[string]any{"User": u, "Quota": s.userJSON(u).QuotaBytes, "Problem": problem, "Done": done, "Webhooks": v})
}
