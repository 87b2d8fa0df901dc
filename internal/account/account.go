// Package account holds Ferry's users and their API tokens: creating them,
// checking passwords and tokens, and the counts admin stats show.
//
// Ids are uuids (random, so not guessable) carried as their text form.
package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/postgres"
)

// Errors callers tell apart.
var (
	ErrNotFound         = errors.New("not found")
	ErrEmailTaken       = errors.New("email already taken")
	ErrInvalidEmail     = errors.New("invalid email address")
	ErrWeakPassword     = fmt.Errorf("password too short: at least %d characters", MinPasswordLen)
	ErrPasswordTooLong  = fmt.Errorf("password too long: at most %d bytes", MaxPasswordLen)
	ErrWrongPassword    = errors.New("wrong password")
	ErrInvalidTokenName = errors.New("token name must be 1 to 100 characters")
)

// DBTX is a pool or a transaction.
type DBTX = postgres.DB

// User is an account. Its password hash never leaves this package.
type User struct {
	ID         string // uuid
	Email      string // as entered; unique whatever its case
	QuotaBytes *int64 // nil: the USER_QUOTA default applies
	UsageBytes int64
	CreatedAt  time.Time
	Role       Role       // RoleUser unless made an admin
	DisabledAt *time.Time // nil: the account may sign in
	LastLogin  *time.Time // nil: never signed in
}

// Disabled says whether an admin has disabled the account.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// IsAdmin says whether the user has the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

const userColumns = "id, email, quota_bytes, usage_bytes, created_at, role, disabled_at, last_login_at"

// fields are the scan targets of userColumns, in order.
func (u *User) fields() []any {
	return []any{&u.ID, &u.Email, &u.QuotaBytes, &u.UsageBytes, &u.CreatedAt, &u.Role, &u.DisabledAt, &u.LastLogin}
}

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(u.fields()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// NormalizeEmail trims email and checks it is a bare address ("a@b.example",
// not "Name <a@b.example>").
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email || len(email) > 254 {
		return "", ErrInvalidEmail
	}
	return email, nil
}

// CreateUser adds a user with an argon2id hash of password.
func CreateUser(ctx context.Context, db DBTX, email, password string) (User, error) {
	return CreateUserWithParams(ctx, db, email, password, DefaultParams)
}

// CreateUserWithParams is CreateUser with chosen hashing costs (tests use
// cheap ones).
func CreateUserWithParams(ctx context.Context, db DBTX, email, password string, p Params) (User, error) {
	return createUser(ctx, db, nil, email, password, p)
}

// createUser is CreateUserWithParams hashing inside h's budget.
func createUser(ctx context.Context, db DBTX, h *Hasher, email, password string, p Params) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if err := checkPassword(password); err != nil {
		return User{}, err
	}
	hash, err := h.Hash(ctx, password, p)
	if err != nil {
		return User{}, err
	}
	return insertUser(ctx, db, email, hash)
}

// UserByEmail finds a user whatever the case of email.
func UserByEmail(ctx context.Context, db DBTX, email string) (User, error) {
	u, err := scanUser(db.QueryRow(ctx,
		"SELECT "+userColumns+" FROM users WHERE lower(email) = lower($1)", strings.TrimSpace(email)))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("user by email: %w", err)
	}
	return u, err
}

// UserByID finds a user by id; a malformed id is simply not found.
func UserByID(ctx context.Context, db DBTX, id string) (User, error) {
	if !isUUID(id) {
		return User{}, ErrNotFound
	}
	u, err := scanUser(db.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("user by id: %w", err)
	}
	return u, err
}

// isUUID reports whether s is a uuid in its canonical text form, so that
// ids from URLs never reach Postgres malformed.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}
