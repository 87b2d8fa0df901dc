package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
)

// checkLogin finds the user whose email and password these are, under
// every limit sign-in has: the client group's rate, then loginRule at the
// account (its email trimmed and lower-cased, whether or not an account
// has it, so a refusal tells nothing about which emails exist). Unknown
// email and wrong password are both account.ErrWrongPassword.
func (s *Server) checkLogin(r *http.Request, email, password string) (account.User, error) {
	ctx := r.Context()
	if err := s.limit(ctx, "login:"+clientKey(r, s.Settings.TrustedProxies), loginRate); err != nil {
		return account.User{}, err
	}
	g := s.guessesAt(r, loginRule, account.LoginKey(email))
	if err := g.check(ctx); err != nil {
		return account.User{}, err
	}
	u, err := s.Accounts.SignIn(ctx, email, password)
	switch {
	case errors.Is(err, account.ErrNotFound) || errors.Is(err, account.ErrWrongPassword):
		if err := g.failed(ctx); err != nil {
			return account.User{}, err
		}
		return account.User{}, account.ErrWrongPassword
	case err != nil:
		return account.User{}, err // busy or down: no guess was judged
	}
	return u, g.succeeded(ctx)
}
