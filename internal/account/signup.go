package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/postgres"
)

// SignupExpiry is how long a confirmation link works: a day is time
// enough to open one's mail, short enough that an old mailbox leak is of
// no use.
const SignupExpiry = 24 * time.Hour

// ErrBadSignupToken is a confirmation link that is unknown, used already
// or past its expiry; the three are one answer, so a link tells nothing.
var ErrBadSignupToken = errors.New("invalid or expired confirmation link")

// SignupMail is what the worker mails after a sign-up with confirmation:
// a link to a new address (SignupID), or a notice to the owner of an
// existing account (UserID) that someone tried to sign up as them.
type SignupMail struct {
	SignupID string // set for a new address
	UserID   string // set for an address that has an account
	// Address is the hex SHA-256 of the normalised address, the same for
	// both kinds of mail: the queue sends at most one mail per address in
	// a while (SignupMailInterval), so sign-ups cannot flood a mailbox.
	Address string
}

// SignupMailInterval is the least time between two sign-up mails to one
// address; sign-ups in between are answered alike but mail nothing, and
// the link already sent keeps working with the password chosen then.
const SignupMailInterval = 10 * time.Minute

// MailQueue queues a SignupMail in the transaction that records the
// sign-up, so the mail is sent exactly when the sign-up is kept. The
// jobs package implements it; account cannot import jobs, which imports
// account.
type MailQueue interface {
	QueueSignupMail(ctx context.Context, tx pgx.Tx, m SignupMail) error
}

// TxDB is a pool or a transaction that can begin one (a savepoint).
type TxDB interface {
	DBTX
	Begin(ctx context.Context) (pgx.Tx, error)
}

// register is a sign-up that waits for its address to be confirmed. It
// does the same work whether or not the address has an account: the
// password is hashed in both cases, within h's budget, before the
// address is looked up, and one job is queued; so neither the answer nor
// its timing tells the two apart.
func register(ctx context.Context, db TxDB, h *Hasher, q MailQueue, email, password string, p Params) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := h.Hash(ctx, password, p)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		m, err := recordSignup(ctx, tx, email, hash)
		if err != nil {
			return err
		}
		return q.QueueSignupMail(ctx, tx, m)
	})
}

// recordSignup names the account email has, or keeps a pending sign-up
// with its own password hash when it has none.
func recordSignup(ctx context.Context, tx pgx.Tx, email, hash string) (SignupMail, error) {
	u, err := UserByEmail(ctx, tx, email)
	if err == nil {
		return SignupMail{UserID: u.ID, Address: addressKey(email)}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return SignupMail{}, err
	}
	var id string
	err = tx.QueryRow(ctx, "INSERT INTO signups (email, password_hash, expires_at) VALUES ($1, $2, now() + $3::interval) RETURNING id",
		email, hash, SignupExpiry.String()).Scan(&id)
	if err != nil {
		return SignupMail{}, fmt.Errorf("record signup: %w", err)
	}
	return SignupMail{SignupID: id, Address: addressKey(email)}, nil
}

// addressKey names a normalised address without holding it, for the
// job queue's rows.
func addressKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:])
}

// IssueSignupToken makes the secret of signupID's confirmation link and
// returns the address to mail it to. Only its hash is stored; a retried
// mail job makes a new one, and the link of the mail sent last works.
// ErrNotFound: the sign-up was confirmed, expired or purged, and there is
// nothing to send.
func IssueSignupToken(ctx context.Context, db DBTX, signupID string) (email, token string, err error) {
	if !isUUID(signupID) {
		return "", "", ErrNotFound
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails, per crypto/rand
	err = db.QueryRow(ctx, "UPDATE signups SET token_hash = $2 WHERE id = $1 AND expires_at > now() RETURNING email",
		signupID, hashToken(secret)).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("issue signup token: %w", err)
	}
	return email, base64.RawURLEncoding.EncodeToString(secret), nil
}

// ErrSignupPassword is a confirmation link used with a password other
// than the one chosen at sign-up. The link alone does not make the
// account: a stranger who signs up with someone else's address cannot
// have its owner, following the mailed link, create an account whose
// password the stranger knows.
var ErrSignupPassword = errors.New("this is not the password chosen at sign-up")

// confirmSignup uses a confirmation link, once, with the password chosen
// at sign-up: the pending sign-up becomes an account with that password,
// and the other pending sign-ups of the address go. An address that got
// an account meanwhile (another link, ferry admin create-user) is
// ErrEmailTaken; only the mailbox's owner holds the link, so that tells
// no stranger. The password is checked before the transaction, within
// h's budget, so no row is locked while it is hashed.
func confirmSignup(ctx context.Context, db TxDB, h *Hasher, token, password string) (User, error) {
	secret, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(secret) != 32 {
		return User{}, ErrBadSignupToken
	}
	var hash string
	err = db.QueryRow(ctx, "SELECT password_hash FROM signups WHERE token_hash = $1 AND expires_at > now()", hashToken(secret)).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrBadSignupToken
	}
	if err != nil {
		return User{}, fmt.Errorf("find signup: %w", err)
	}
	ok, err := h.Verify(ctx, hash, password)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrSignupPassword
	}
	var u User
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, "DELETE FROM signups WHERE token_hash = $1 AND password_hash = $2 AND expires_at > now() RETURNING email",
			hashToken(secret), hash).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadSignupToken // used meanwhile, or its link mailed again
		}
		if err != nil {
			return fmt.Errorf("confirm signup: %w", err)
		}
		if u, err = insertUser(ctx, tx, email, hash); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM signups WHERE lower(email) = lower($1)", email)
		return err
	})
	return u, err
}

// insertUser adds a user whose password is already hashed.
func insertUser(ctx context.Context, db DBTX, email, hash string) (User, error) {
	u, err := scanUser(db.QueryRow(ctx,
		"INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING "+userColumns, email, hash))
	if postgres.Code(err) == pgerrcode.UniqueViolation {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// PurgeSignups deletes pending sign-ups past their expiry, whose links no
// longer work; the count is for the log.
func PurgeSignups(ctx context.Context, db DBTX) (int64, error) {
	tag, err := db.Exec(ctx, "DELETE FROM signups WHERE expires_at <= now()")
	if err != nil {
		return 0, fmt.Errorf("purge signups: %w", err)
	}
	return tag.RowsAffected(), nil
}
