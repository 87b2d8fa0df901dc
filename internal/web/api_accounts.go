package web

import (
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/logging"
)

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errSignupClosed = apiError(http.StatusForbidden, "signup_disabled", "this server does not take new accounts; ask its operator")

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if !s.Settings.SignupEnabled {
		s.fail(w, r, errSignupClosed)
		return
	}
	var c credentials
	err := s.limitSignup(r)
	if err == nil {
		err = readJSON(w, r, &c)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Accounts.Confirms() {
		s.signupByMail(w, r, c)
		return
	}
	u, err := s.Accounts.SignUp(r.Context(), c.Email, c.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	logging.SetUserID(r.Context(), u.ID)
	s.securityEvent(r, eventSignup)
	w.Header().Set("Location", "/api/v1/me")
	writeJSON(w, http.StatusCreated, s.userJSON(u))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var c credentials
	err := readJSON(w, r, &c)
	var u account.User
	if err == nil {
		u, err = s.checkLogin(r, c.Email, c.Password)
	}
	if err == nil {
		err = s.signIn(r, u)
	}
	s.loginEvent(r, c.Email, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(u))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, u account.User) {
	writeJSON(w, http.StatusOK, s.userJSON(u))
}

type userJSON struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	UsageBytes int64  `json:"usage_bytes"`
	QuotaBytes int64  `json:"quota_bytes"` // 0: no limit
}

func (s *Server) userJSON(u account.User) userJSON {
	quota := s.Settings.UserQuota
	if u.QuotaBytes != nil {
		quota = *u.QuotaBytes
	}
	return userJSON{ID: u.ID, Email: u.Email, UsageBytes: u.UsageBytes, QuotaBytes: quota}
}
