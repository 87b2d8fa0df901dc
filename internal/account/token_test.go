package account

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	dev, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	other, err := CreateUserWithParams(ctx, db, "other@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}

	tok, plain, err := CreateToken(ctx, db, dev.ID, " laptop ")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if !regexp.MustCompile(`^ferry_[A-Za-z0-9_-]{43}$`).MatchString(plain) {
		t.Errorf("token %q: want ferry_ and 43 base64url characters", plain)
	}
	if tok.Name != "laptop" || tok.UserID != dev.ID || tok.LastUsedAt != nil {
		t.Errorf("token record %+v", tok)
	}

	u, id, err := Authenticate(ctx, db, plain)
	if err != nil || u.ID != dev.ID || id != tok.ID {
		t.Fatalf("Authenticate = %+v, %q, %v", u, id, err)
	}
	list, err := ListTokens(ctx, db, dev.ID)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].LastUsedAt == nil {
		t.Errorf("ListTokens after use = %+v, %v; want one token with last_used_at", list, err)
	}

	if err := RevokeToken(ctx, db, other.ID, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke by another user: %v, want ErrNotFound", err)
	}
	if err := RevokeToken(ctx, db, dev.ID, tok.ID); err != nil {
		t.Errorf("RevokeToken: %v", err)
	}
	if _, _, err := Authenticate(ctx, db, plain); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token authenticates: %v", err)
	}
	if err := RevokeToken(ctx, db, dev.ID, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v, want ErrNotFound", err)
	}
}

func TestAuthenticateRejects(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	for _, tc := range []struct {
		plain string
		want  error
	}{
		{"", ErrMalformedToken},
		{"ferry_", ErrMalformedToken},
		{"ferry_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrNotFound}, // well formed, unknown
		{"other_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrMalformedToken},
		{"ferry_AAAA", ErrMalformedToken},
		{"ferry_!!!!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrMalformedToken},
	} {
		t.Run(tc.plain, func(t *testing.T) {
			if _, _, err := Authenticate(context.Background(), db, tc.plain); !errors.Is(err, tc.want) {
				t.Errorf("Authenticate(%q) = %v, want %v", tc.plain, err, tc.want)
			}
		})
	}
}

func TestCreateTokenRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	dev, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user, token string
		want              error
	}{
		{"empty name", dev.ID, "  ", ErrInvalidTokenName},
		{"long name", dev.ID, string(make([]byte, 101)), ErrInvalidTokenName},
		{"unknown user", "3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab", "ci", ErrNotFound},
		{"malformed user", "42", "ci", ErrNotFound},
	} {
		if _, _, err := CreateToken(ctx, db, tc.user, tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTokenScopesAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	dev, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(o TokenOptions) (Token, string) {
		t.Helper()
		tok, plain, err := CreateTokenWith(ctx, db, dev.ID, "t", o)
		if err != nil {
			t.Fatal(err)
		}
		return tok, plain
	}
	// A token from before scopes existed: NULL scopes, NULL expiry.
	_, legacyPlain := mk(TokenOptions{})
	if _, err := db.Exec(ctx, "UPDATE api_tokens SET scopes = NULL"); err != nil {
		t.Fatal(err)
	}
	readOnly, readPlain := mk(TokenOptions{Scopes: Scopes{ScopeFilesRead}, ExpiresIn: time.Hour})
	expired, expiredPlain := mk(TokenOptions{ExpiresIn: time.Hour})
	if _, err := db.Exec(ctx, "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", expired.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		plain     string
		wantErr   error
		has, lack []Scope
	}{
		{"legacy token has every scope", legacyPlain, nil, AllScopes, nil},
		{"read-only token", readPlain, nil, Scopes{ScopeFilesRead}, Scopes{ScopeFilesWrite, ScopeAccount}},
		{"expired token says so", expiredPlain, ErrTokenExpired, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, tok, err := AuthenticateToken(ctx, db, tc.plain)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("AuthenticateToken: %v, want %v", err, tc.wantErr)
			}
			for _, sc := range tc.has {
				if !tok.Scopes.Has(sc) {
					t.Errorf("lacks %s: %v", sc, tok.Scopes)
				}
			}
			for _, sc := range tc.lack {
				if tok.Scopes.Has(sc) {
					t.Errorf("has %s: %v", sc, tok.Scopes)
				}
			}
		})
	}
	if readOnly.ExpiresAt == nil || time.Until(*readOnly.ExpiresAt) < 59*time.Minute || time.Until(*readOnly.ExpiresAt) > time.Hour {
		t.Errorf("expires_at %v, want in an hour", readOnly.ExpiresAt)
	}
	list, err := ListTokens(ctx, db, dev.ID)
	if err != nil || len(list) != 3 || list[0].Scopes != nil || len(list[1].Scopes) != 1 || list[2].ExpiresAt == nil {
		t.Errorf("ListTokens = %+v, %v", list, err)
	}
}

func TestCreateTokenNamesEveryScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	dev, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := CreateToken(ctx, db, dev.ID, "all")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tok.Scopes, AllScopes) || tok.ExpiresAt != nil {
		t.Errorf("token %+v: want every scope named and no expiry", tok)
	}
}

func TestParseTokenOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scopes    []string
		expiresIn string
		want      TokenOptions
		err       error
	}{
		{"defaults", nil, "", TokenOptions{}, nil},
		{"scopes", []string{"files:read", " files:write", "files:read"}, "", TokenOptions{Scopes: Scopes{ScopeFilesRead, ScopeFilesWrite}}, nil},
		{"days", []string{"account"}, "7d", TokenOptions{Scopes: Scopes{ScopeAccount}, ExpiresIn: 7 * 24 * time.Hour}, nil},
		{"minutes", nil, "90m", TokenOptions{ExpiresIn: 90 * time.Minute}, nil},
		{"no scope", []string{}, "", TokenOptions{}, ErrUnknownScope},
		{"unknown scope", []string{"files:read", "root"}, "", TokenOptions{}, ErrUnknownScope},
		{"bad duration", nil, "soon", TokenOptions{}, ErrInvalidExpiresIn},
		{"zero duration", nil, "0s", TokenOptions{}, ErrInvalidExpiresIn},
		{"negative duration", nil, "-1h", TokenOptions{}, ErrInvalidExpiresIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTokenOptions(tc.scopes, tc.expiresIn)
			if !errors.Is(err, tc.err) || !slices.Equal(got.Scopes, tc.want.Scopes) || got.ExpiresIn != tc.want.ExpiresIn {
				t.Errorf("got %+v, %v; want %+v, %v", got, err, tc.want, tc.err)
			}
		})
	}
}
