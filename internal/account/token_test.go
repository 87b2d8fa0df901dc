package account

import (
	"context"
	"errors"
	"regexp"
	"testing"

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
	for _, plain := range []string{
		"",
		"ferry_",
		"ferry_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // well formed, unknown
		"other_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ferry_AAAA",
		"ferry_!!!!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		if _, _, err := Authenticate(context.Background(), db, plain); !errors.Is(err, ErrNotFound) {
			t.Errorf("Authenticate(%q) = %v, want ErrNotFound", plain, err)
		}
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
