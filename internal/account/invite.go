package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Errors of invitations.
var (
	ErrBadInvite       = errors.New("this invitation is unknown, used already, expired or for another address")
	ErrInviteExpiresIn = errors.New("expires_in must be a duration from 1m to 30d, such as 24h or 7d")
)

// MaxInviteLifetime is the longest an invitation may last.
const MaxInviteLifetime = 30 * 24 * time.Hour

// Invite is an invitation's record; its secret is never stored.
type Invite struct {
	ID        string
	Email     string // "": any address
	ExpiresAt time.Time
}

// CreateInvite makes a single-use sign-up link's secret, for email ("":
// any) and lifetime ttl, made by the admin byID. The secret is returned
// this once; the row holds its SHA-256.
func CreateInvite(ctx context.Context, db DBTX, byID, email string, ttl time.Duration) (Invite, string, error) {
	if ttl < time.Minute || ttl > MaxInviteLifetime {
		return Invite{}, "", ErrInviteExpiresIn
	}
	if email != "" {
		var err error
		if email, err = NormalizeEmail(email); err != nil {
			return Invite{}, "", err
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Invite{}, "", fmt.Errorf("invite secret: %w", err)
	}
	var inv Invite
	err := db.QueryRow(ctx, `INSERT INTO invites (token_hash, email, created_by, expires_at)
		VALUES ($1, NULLIF($2, ''), $3, now() + $4::interval) RETURNING id, COALESCE(email, ''), expires_at`,
		hashToken(secret), email, byID, ttl).Scan(&inv.ID, &inv.Email, &inv.ExpiresAt)
	if err != nil {
		return Invite{}, "", fmt.Errorf("create invite: %w", err)
	}
	return inv, base64.RawURLEncoding.EncodeToString(secret), nil
}

// acceptInvite uses the invitation token once, in one transaction with
// the account it creates for email and password: a used, expired or
// unknown token, or an address the invitation is not for, is
// ErrBadInvite, and nothing is written.
func acceptInvite(ctx context.Context, db TxDB, h *Hasher, token, email, password string, p Params) (User, Invite, error) {
	secret, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(secret) != 32 {
		return User{}, Invite{}, ErrBadInvite
	}
	if email, err = NormalizeEmail(email); err != nil {
		return User{}, Invite{}, err
	}
	if err := checkPassword(password); err != nil {
		return User{}, Invite{}, err
	}
	hash, err := h.Hash(ctx, password, p)
	if err != nil {
		return User{}, Invite{}, err
	}
	var u User
	var inv Invite
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE invites SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL
			AND expires_at > now() AND (email IS NULL OR lower(email) = lower($2)) RETURNING id, COALESCE(email, ''), expires_at`,
			hashToken(secret), strings.TrimSpace(email)).Scan(&inv.ID, &inv.Email, &inv.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadInvite
		}
		if err != nil {
			return fmt.Errorf("use invite: %w", err)
		}
		if u, err = insertUser(ctx, tx, email, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE invites SET used_by = $2 WHERE id = $1", inv.ID, u.ID); err != nil {
			return fmt.Errorf("use invite: %w", err)
		}
		return nil
	})
	return u, inv, err
}

// AcceptInvite is a sign-up through an invitation: token is the link's
// secret, email and password the new account's.
func (s *Service) AcceptInvite(ctx context.Context, token, email, password string) (User, Invite, error) {
	return acceptInvite(ctx, s.DB, s.Hasher, token, email, password, s.Params)
}
