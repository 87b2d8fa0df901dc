package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
)

// resetPassword: reset-password --email E (--password-stdin | --password-file F).
// The way back for a lost password, the dev user's included: the new one
// is hashed as at sign-up, and the user's browser sessions end when the
// session store is reachable. API tokens stay valid.
func resetPassword(ctx context.Context, args []string, s IO, b Backends) error {
	email, password, err := parseCredentials("reset-password", "the email of the user whose password to set", args, s)
	if err != nil {
		return err
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	u, err := account.ResetPassword(ctx, db, email, password)
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("no user with email %s", strings.TrimSpace(email))
	}
	if err != nil {
		return err // the password errors already read well
	}
	fmt.Fprintf(s.Stdout, "reset the password of %s\n", u.Email)
	return endSessions(ctx, s, b, u)
}

// endSessions signs u out of every browser, or says why it could not.
func endSessions(ctx context.Context, s IO, b Backends, u account.User) error {
	if b.EndSessions == nil {
		fmt.Fprintf(s.Stderr, "REDIS_URL is not set, so %s's browser sessions were not ended\n", u.Email)
		return nil
	}
	if err := b.EndSessions(ctx, u.ID); err != nil {
		return fmt.Errorf("the password is reset, but %s's browser sessions could not be ended: %w", u.Email, err)
	}
	fmt.Fprintf(s.Stderr, "signed %s out of every browser; API tokens still work\n", u.Email)
	return nil
}
