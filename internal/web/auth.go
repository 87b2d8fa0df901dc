package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/logging"
)

// sessionUserKey is where a signed-in browser's user id lives in its session.
const sessionUserKey = "user_id"

// user finds who is making the request: an API token in the Authorization
// header, else a browser session. A token that is present but wrong is an
// error, never a quiet fall back to anonymous: malformed_token,
// invalid_token (unknown or revoked) or token_expired.
func (s *Server) user(r *http.Request) (account.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return account.User{}, errMalformedToken
		}
		u, t, err := s.Accounts.ByToken(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, account.ErrNotFound) {
			return account.User{}, errInvalidToken // unknown or revoked
		}
		if err == nil && apiScopes[r.Pattern] == account.ScopeAdmin && !u.IsAdmin() {
			err = errForbidden // not an admin, whatever the token holds
		}
		if err == nil {
			err = allowed(r, t.Scopes)
		}
		return s.identified(r, u, err)
	}
	if s.sessions == nil {
		return account.User{}, errUnauthorized
	}
	id := s.sessions.GetString(r.Context(), sessionUserKey)
	if id == "" {
		return account.User{}, errUnauthorized
	}
	if ok, err := s.sessionCurrent(r, id); err != nil || !ok {
		if err == nil {
			err = errUnauthorized // signed out everywhere since
		}
		return account.User{}, err
	}
	u, err := s.Accounts.ByID(r.Context(), id)
	if errors.Is(err, account.ErrNotFound) {
		return account.User{}, errUnauthorized // the account was deleted
	}
	return s.identified(r, u, err)
}

// allowed checks that a token's scopes cover the route: the scope apiScopes
// names for it, or every scope for a route it does not name (the pages).
func allowed(r *http.Request, have account.Scopes) error {
	if adminPages[r.Pattern] && !have.Has(account.ScopeAdmin) {
		return insufficientScope(account.ScopeAdmin)
	}
	need, ok := apiScopes[r.Pattern]
	if !ok {
		for _, sc := range account.AllScopes {
			if !have.Has(sc) {
				return insufficientScope(sc)
			}
		}
		return nil
	}
	if need != anyScope && !have.Has(need) {
		return insufficientScope(need)
	}
	return nil
}

// identified records who the request is from, for its log line. A
// disabled account is refused here, on every request, so that disabling
// it stops its sessions and tokens at once.
func (s *Server) identified(r *http.Request, u account.User, err error) (account.User, error) {
	if err != nil {
		return account.User{}, err
	}
	if u.Disabled() {
		return account.User{}, account.ErrDisabled
	}
	logging.SetUserID(r.Context(), u.ID)
	return u, nil
}

// admin wraps a handler for admins only: anyone else signed in is
// forbidden (403), and a token needs the admin scope (apiScopes).
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, account.User)) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, u account.User) {
		if !u.IsAdmin() {
			s.fail(w, r, errForbidden)
			return
		}
		h(w, r, u)
	})
}

// authed wraps a handler that needs a signed-in user.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, account.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.user(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, u)
	}
}
