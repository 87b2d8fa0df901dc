package web

import (
	"net/http"
	"time"

	"github.com/ferryhq/ferry/internal/account"
)

type tokenJSON struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Token      string          `json:"token,omitempty"` // only in the answer that creates it
	Scopes     []account.Scope `json:"scopes"`
	CreatedAt  time.Time       `json:"created_at"`
	LastUsedAt *time.Time      `json:"last_used_at"`
	ExpiresAt  *time.Time      `json:"expires_at"` // null: never
}

func toTokenJSON(t account.Token, secret string) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, Token: secret, Scopes: t.Scopes.List(),
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt}
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u account.User) {
	var body struct {
		Name      string   `json:"name"`
		Scopes    []string `json:"scopes"`     // absent: every scope
		ExpiresIn string   `json:"expires_in"` // absent: never
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.newToken(r, u, body.Name, body.Scopes, body.ExpiresIn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tokens/"+t.ID)
	writeJSON(w, http.StatusCreated, toTokenJSON(t, secret))
}

// newToken makes a token of u's from what the API or the form asked for,
// and records it as a security event.
func (s *Server) newToken(r *http.Request, u account.User, name string, scopes []string, expiresIn string) (account.Token, string, error) {
	o, err := account.ParseTokenOptions(scopes, expiresIn)
	if err != nil {
		return account.Token{}, "", err
	}
	t, secret, err := s.Accounts.CreateToken(r.Context(), u.ID, name, o)
	if err == nil {
		s.tokenCreated(r, t)
	}
	return t, secret, err
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
	if err := s.dropToken(r, u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// dropToken revokes one of u's tokens and records it as a security event.
func (s *Server) dropToken(r *http.Request, u account.User, id string) error {
	err := s.Accounts.RevokeToken(r.Context(), u.ID, id)
	if err == nil {
		s.securityEvent(r, eventTokenRevoked, "token_id", id)
	}
	return err
}
