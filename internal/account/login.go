package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// CheckPassword returns the user with email if password is theirs. An
// unknown email gives ErrNotFound and a wrong password ErrWrongPassword;
// both take about as long, so timing does not tell which emails exist.
func CheckPassword(ctx context.Context, db DBTX, email, password string) (User, error) {
	return checkUser(ctx, db, nil, email, password)
}

// checkUser is CheckPassword with its hashing, the dummy one too, inside
// h's budget.
func checkUser(ctx context.Context, db DBTX, h *Hasher, email, password string) (User, error) {
	if len(password) > MaxPasswordLen {
		return User{}, ErrWrongPassword
	}
	var u User
	var hash string
	err := db.QueryRow(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE lower(email) = lower($1)",
		strings.TrimSpace(email)).Scan(append(u.fields(), &hash)...)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := h.Verify(ctx, dummyHash(), password); err != nil {
			return User{}, err // busy: the same answer a known email would get
		}
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("check password: %w", err)
	}
	ok, err := h.Verify(ctx, hash, password)
	if errors.Is(err, ErrBusy) {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("check password of user %s: %w", u.ID, err)
	}
	if !ok {
		return User{}, ErrWrongPassword
	}
	if u.Disabled() {
		return User{}, ErrDisabled // told only to whoever knows the password
	}
	return u, nil
}

// LoginKey is the form of email that names one account whatever its case
// and surrounding spaces, as sign-in looks it up; rate limits key by it.
func LoginKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// dummyHash is a hash with the default costs, verified against when the
// email is unknown.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("ferry-dummy-password", DefaultParams)
	return h
})
