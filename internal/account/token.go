package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// TokenPrefix starts every API token, so that secret scanners and people
// can tell a Ferry token when they see one.
const TokenPrefix = "ferry_"

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID         string
	UserID     string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil: never used
	Scopes     Scopes     // nil: every scope (a token made before scopes existed)
	ExpiresAt  *time.Time // nil: never expires
}

const tokenColumns = "id, user_id, name, created_at, last_used_at, scopes, expires_at"

func scanToken(row pgx.Row) (Token, error) {
	var t Token
	var scopes []string
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &scopes, &t.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	t.Scopes = toScopes(scopes)
	return t, err
}

// toScopes keeps SQL NULL as nil, every scope, and an empty array as none.
func toScopes(names []string) Scopes {
	if names == nil {
		return nil
	}
	s := make(Scopes, len(names))
	for i, n := range names {
		s[i] = Scope(n)
	}
	return s
}

// liveToken is the SQL condition of a token that has not expired.
const liveToken = "(t.expires_at IS NULL OR t.expires_at > now())"

// hashToken is SHA-256 of the secret. A slow password hash is for secrets
// people choose; a token is 256 random bits, out of reach of brute force
// whatever the hash speed, and a fast hash keeps every API request cheap and
// lets the lookup be an indexed equality.
func hashToken(secret []byte) []byte {
	sum := sha256.Sum256(secret)
	return sum[:]
}

// CreateToken makes an API token for userID with every scope and no
// expiry, and returns its record and the plaintext, which exists only in
// this answer.
func CreateToken(ctx context.Context, db DBTX, userID, name string) (Token, string, error) {
	return CreateTokenWith(ctx, db, userID, name, TokenOptions{})
}

// CreateTokenWith is CreateToken with the scopes and lifetime of o. A
// token asked for with every scope (nil) is stored with each one named, so
// that a scope added to Ferry later is not granted to it unasked.
func CreateTokenWith(ctx context.Context, db DBTX, userID, name string, o TokenOptions) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return Token{}, "", ErrInvalidTokenName
	}
	if !isUUID(userID) {
		return Token{}, "", ErrNotFound
	}
	if slices.Contains(o.Scopes, ScopeAdmin) {
		u, err := UserByID(ctx, db, userID)
		if err != nil {
			return Token{}, "", err
		}
		if !u.IsAdmin() {
			return Token{}, "", ErrAdminScope
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Token{}, "", fmt.Errorf("token secret: %w", err)
	}
	scopes := make([]string, 0, len(o.Scopes.List()))
	for _, sc := range o.Scopes.List() {
		scopes = append(scopes, string(sc))
	}
	var expires *time.Time
	if o.ExpiresIn > 0 {
		at := time.Now().Add(o.ExpiresIn)
		expires = &at
	}
	t, err := scanToken(db.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at)
		SELECT id, $2, $3, $4, $5 FROM users WHERE id = $1 RETURNING `+tokenColumns,
		userID, name, hashToken(secret), scopes, expires))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Token{}, "", err
		}
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return t, TokenPrefix + base64.RawURLEncoding.EncodeToString(secret), nil
}

// Errors of a token that does not authenticate, besides ErrNotFound for
// a well-formed token that is unknown or revoked. A client is told which,
// so that it knows to fix its configuration, make a new token or stop; none
// of them says anything about another user's tokens.
var (
	ErrMalformedToken = errors.New("malformed API token") // not ferry_ and 32 bytes of base64url
	ErrTokenExpired   = errors.New("API token expired")
)

// Authenticate finds the user a token belongs to and returns it with the
// token's id. A malformed token gives ErrMalformedToken, an unknown or
// revoked one ErrNotFound and an expired one ErrTokenExpired.
func Authenticate(ctx context.Context, db DBTX, plaintext string) (User, string, error) {
	u, t, err := AuthenticateToken(ctx, db, plaintext)
	return u, t.ID, err
}

// AuthenticateToken is Authenticate returning the token's whole record,
// whose scopes say what the request may do.
func AuthenticateToken(ctx context.Context, db DBTX, plaintext string) (User, Token, error) {
	secret, ok := strings.CutPrefix(plaintext, TokenPrefix)
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if !ok || err != nil || len(raw) != 32 {
		return User{}, Token{}, ErrMalformedToken
	}
	var u User
	var t Token
	var scopes []string
	var live bool
	err = db.QueryRow(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.scopes, t.expires_at, `+liveToken+`,
		u.id, u.email, u.quota_bytes, u.usage_bytes, u.created_at, u.role, u.disabled_at, u.last_login_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hashToken(raw)).
		Scan(append([]any{&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &scopes, &t.ExpiresAt, &live}, u.fields()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, Token{}, ErrNotFound
	}
	if err != nil {
		return User{}, Token{}, fmt.Errorf("authenticate token: %w", err)
	}
	// Only the holder of the secret learns that it expired: the hash
	// matched, so telling them costs nothing and says what to do.
	if !live {
		return User{}, Token{}, ErrTokenExpired
	}
	t.Scopes = toScopes(scopes)
	return u, t, touchToken(ctx, db, t.ID)
}

// touchToken records a use, at most once a minute per token: a row write
// on every API request would be WAL and dead tuples for nothing.
func touchToken(ctx context.Context, db DBTX, id string) error {
	_, err := db.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1
		AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	if err != nil {
		return fmt.Errorf("record token use: %w", err)
	}
	return nil
}

// ListTokens returns userID's tokens, oldest first.
func ListTokens(ctx context.Context, db DBTX, userID string) ([]Token, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	rows, err := db.Query(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	tokens, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken deletes userID's token tokenID; another user's token, like an
// unknown one, gives ErrNotFound.
func RevokeToken(ctx context.Context, db DBTX, userID, tokenID string) error {
	if !isUUID(userID) || !isUUID(tokenID) {
		return ErrNotFound
	}
	tag, err := db.Exec(ctx, "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", tokenID, userID)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
