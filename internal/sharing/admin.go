package sharing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
)

// Actor is who makes a change, as the audit log records them.
type Actor struct {
	UserID string
	Client string // the client group
}

// UpdateUser is an admin's change c to the account id, recorded in the
// audit log in the same transaction: an event per field changed.
func (s *Service) UpdateUser(ctx context.Context, by Actor, id string, c account.UserChange) (account.User, error) {
	var u account.User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		before, err := account.UserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if u, err = account.UpdateUser(ctx, tx, id, c); err != nil {
			return err
		}
		for _, e := range adminEvents(before, u) {
			e.ActorID, e.Client, e.SubjectID = by.UserID, by.Client, id
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	return u, err
}

// adminEvents are the audit events of an account going from a to b.
func adminEvents(a, b account.User) []audit.Event {
	var out []audit.Event
	if a.Role != b.Role {
		out = append(out, audit.Event{Type: audit.AdminRole, Details: map[string]any{"from": a.Role, "to": b.Role}})
	}
	if a.Disabled() != b.Disabled() {
		t := audit.AdminEnabled
		if b.Disabled() {
			t = audit.AdminDisabled
		}
		out = append(out, audit.Event{Type: t})
	}
	if quotaText(a.QuotaBytes) != quotaText(b.QuotaBytes) {
		out = append(out, audit.Event{Type: audit.AdminQuota, Details: map[string]any{"from": a.QuotaBytes, "to": b.QuotaBytes}})
	}
	return out
}

func quotaText(q *int64) any {
	if q == nil {
		return nil
	}
	return *q
}

// Invite makes an admin's single-use sign-up link for email ("": any
// address), lasting ttl, recorded in the audit log in the same
// transaction (whether it names an address, never the address). The
// link's secret is returned this once.
func (s *Service) Invite(ctx context.Context, by Actor, email string, ttl time.Duration) (account.Invite, string, error) {
	var inv account.Invite
	var secret string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if inv, secret, err = account.CreateInvite(ctx, tx, by.UserID, email, ttl); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{ActorID: by.UserID, Client: by.Client, Type: audit.AdminInvite, SubjectID: inv.ID,
			Details: map[string]any{"for_one_address": inv.Email != "", "expires_at": inv.ExpiresAt}})
	})
	return inv, secret, err
}
