package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role is what an account may do: every user has one.
type Role string

// The roles.
const (
	RoleUser  Role = "user"  // their own files, shares and account
	RoleAdmin Role = "admin" // also the admin API and page: every user, the audit log
)

// Errors of the admin use cases.
var (
	ErrUnknownRole  = errors.New("role must be admin or user")
	ErrLastAdmin    = errors.New("the last admin cannot be demoted or disabled")
	ErrDisabled     = errors.New("this account is disabled")
	ErrInvalidQuota = errors.New("quota_bytes must be a number of bytes, 0 or more, or null for the default")
)

// ParseRole reads a role's name.
func ParseRole(name string) (Role, error) {
	switch r := Role(strings.TrimSpace(name)); r {
	case RoleAdmin, RoleUser:
		return r, nil
	}
	return "", ErrUnknownRole
}

// UserChange is what an admin changes of an account; a nil field stays.
type UserChange struct {
	Role       *Role
	Disabled   *bool
	QuotaBytes **int64 // set to a nil *int64: back to the USER_QUOTA default
}

// UpdateUser applies c to the user id inside tx and returns the account as
// it is after. Demoting or disabling the last enabled admin is
// ErrLastAdmin: the enabled admins' rows are locked first, so two admins
// demoting each other at once cannot both succeed.
func UpdateUser(ctx context.Context, tx pgx.Tx, id string, c UserChange) (User, error) {
	if !isUUID(id) {
		return User{}, ErrNotFound
	}
	if c.QuotaBytes != nil && *c.QuotaBytes != nil && **c.QuotaBytes < 0 {
		return User{}, ErrInvalidQuota
	}
	if (c.Role != nil && *c.Role != RoleAdmin) || (c.Disabled != nil && *c.Disabled) {
		if err := keepAnAdmin(ctx, tx, id); err != nil {
			return User{}, err
		}
	}
	u, err := scanUser(tx.QueryRow(ctx, `UPDATE users SET
		role = COALESCE($2, role),
		disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN COALESCE(disabled_at, now()) END,
		quota_bytes = CASE WHEN $4 THEN $5 ELSE quota_bytes END
		WHERE id = $1 RETURNING `+userColumns, id, c.Role, c.Disabled, c.QuotaBytes != nil, quotaOf(c)))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("update user: %w", err)
	}
	return u, err
}

func quotaOf(c UserChange) *int64 {
	if c.QuotaBytes == nil {
		return nil
	}
	return *c.QuotaBytes
}

// keepAnAdmin refuses a change that would leave no enabled admin if id is
// one of them.
func keepAnAdmin(ctx context.Context, tx pgx.Tx, id string) error {
	rows, err := tx.Query(ctx, `SELECT id::text FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`)
	if err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	if len(admins) == 1 && admins[0] == id {
		return ErrLastAdmin
	}
	return nil
}

// SetRole gives the user with email the role r (ferry admin set-role). It
// keeps at least one enabled admin, like UpdateUser.
func SetRole(ctx context.Context, db TxDB, email string, r Role) (User, error) {
	var out User
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		u, err := UserByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		out, err = UpdateUser(ctx, tx, u.ID, UserChange{Role: &r})
		return err
	})
	return out, err
}

// RecordLogin notes a successful sign-in of id, for the admin's list.
func RecordLogin(ctx context.Context, db DBTX, id string) error {
	if _, err := db.Exec(ctx, "UPDATE users SET last_login_at = now() WHERE id = $1", id); err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	return nil
}

// UserPage is one page of the admin's list of users.
type UserPage struct {
	Users []User
	Next  string // the cursor of the next page; "": this is the last
}

// ListUsers returns up to limit users whose email contains q (any case),
// oldest first, after the cursor a previous page gave ("" for the first).
// A malformed cursor is ErrBadCursor.
func ListUsers(ctx context.Context, db DBTX, q, cursor string, limit int) (UserPage, error) {
	after, afterID, err := parseUserCursor(cursor)
	if err != nil {
		return UserPage{}, err
	}
	rows, err := db.Query(ctx, `SELECT `+userColumns+` FROM users
		WHERE ($1 = '' OR strpos(lower(email), lower($1)) > 0)
		AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
		ORDER BY created_at, id LIMIT $4`, q, after, afterID, limit+1)
	if err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	var p UserPage
	if len(users) > limit {
		users = users[:limit]
		last := users[limit-1]
		p.Next = last.CreatedAt.UTC().Format(time.RFC3339Nano) + "_" + last.ID
	}
	p.Users = users
	return p, nil
}

// ErrBadCursor is a paging cursor this server did not make.
var ErrBadCursor = errors.New("cursor is not one a previous page gave")

func parseUserCursor(c string) (*time.Time, *string, error) {
	if c == "" {
		return nil, nil, nil
	}
	at, id, ok := strings.Cut(c, "_")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || !isUUID(id) {
		return nil, nil, ErrBadCursor
	}
	return &t, &id, nil
}
