package web

import (
	"net/http"
	"time"

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
	u, err := s.Accounts.SignUp(r.Context(), c.Email, c.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	logging.SetUserID(r.Context(), u.ID)
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

type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty"` // only in the answer that creates it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func toTokenJSON(t account.Token, secret string) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, Token: secret, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u account.User) {
	var body struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.Accounts.CreateToken(r.Context(), u.ID, body.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toTokenJSON(t, secret))
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Accounts.Tokens(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]tokenJSON, 0, len(list))
	for _, t := range list {
		out = append(out, toTokenJSON(t, ""))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Accounts.RevokeToken(r.Context(), u.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
