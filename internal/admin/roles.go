package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/units"
)

// setRole: set-role --email E --role admin|user.
func setRole(ctx context.Context, args []string, s IO, b Backends) error {
	fs := newFlags("set-role")
	email := fs.String("email", "", "the user's email address")
	name := fs.String("role", "", "admin or user")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if *email == "" {
		return usagef("set-role: --email is required")
	}
	role, err := account.ParseRole(*name)
	if err != nil {
		return usagef("set-role: --role must be admin or user")
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	var u account.User
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if u, err = account.SetRole(ctx, tx, *email, role); err != nil {
			return err
		}
		return recordRole(ctx, tx, u)
	})
	switch {
	case errors.Is(err, account.ErrNotFound):
		return fmt.Errorf("no user %s", strings.TrimSpace(*email))
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(s.Stdout, "%s is now %s\n", u.Email, u.Role)
	return err
}

// recordRole records in the audit log that the command line gave u its
// role: no actor, since no account did it.
func recordRole(ctx context.Context, tx pgx.Tx, u account.User) error {
	return audit.Record(ctx, tx, audit.Event{Type: audit.AdminRole, SubjectID: u.ID,
		Details: map[string]any{"to": u.Role, "via": "ferry admin"}})
}

// auditCmd: audit [--since D] [--type T]: the audit log's events of the
// last D (default 24h), oldest first, one JSON object a line.
func auditCmd(ctx context.Context, args []string, s IO, b Backends) error {
	fs := newFlags("audit")
	since := fs.String("since", "24h", "how far back: a duration such as 90m, 24h or 30d")
	typ := fs.String("type", "", "only events of this type, such as login_failed")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	d, err := units.ParseDuration(*since)
	if err != nil || d <= 0 {
		return usagef("audit: --since must be a duration such as 90m, 24h or 30d")
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(s.Stdout)
	return audit.Each(ctx, db, time.Now().Add(-d), *typ, func(e audit.Event) error { return enc.Encode(e) })
}
