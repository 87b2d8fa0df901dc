package account

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	if _, err := CreateUserWithParams(ctx, db, "Dev@Example.com", "long enough pw", fast); err != nil {
		t.Fatalf("first user: %v", err)
	}
	for _, tc := range []struct {
		name, email, password string
		want                  error
	}{
		{"ok", "other@example.com", "long enough pw", nil},
		{"trimmed", "  spaced@example.com\n", "long enough pw", nil},
		{"local host", "root@localhost", "long enough pw", nil},
		{"duplicate", "Dev@Example.com", "long enough pw", ErrEmailTaken},
		{"duplicate other case", "dev@EXAMPLE.com", "long enough pw", ErrEmailTaken},
		{"short password", "short@example.com", "123456789", ErrWeakPassword},
		{"empty email", "", "long enough pw", ErrInvalidEmail},
		{"no at", "dev.example.com", "long enough pw", ErrInvalidEmail},
		{"display name", "Dev <dev2@example.com>", "long enough pw", ErrInvalidEmail},
		{"two addresses", "a@example.com, b@example.com", "long enough pw", ErrInvalidEmail},
		{"inner space", "a b@example.com", "long enough pw", ErrInvalidEmail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := CreateUserWithParams(ctx, db, tc.email, tc.password, fast)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CreateUser(%q) error = %v, want %v", tc.email, err, tc.want)
			}
			if err == nil && (u.ID == "" || u.CreatedAt.IsZero() || u.QuotaBytes != nil || u.UsageBytes != 0) {
				t.Errorf("CreateUser returned %+v", u)
			}
		})
	}
}

func TestUserByEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	created, err := CreateUser(ctx, db, "Dev@Example.com", "long enough pw") // default costs, once
	if err != nil {
		t.Fatal(err)
	}
	got, err := UserByEmail(ctx, db, " dev@example.COM ")
	if err != nil || got.ID != created.ID || got.Email != "Dev@Example.com" {
		t.Errorf("UserByEmail = %+v, %v; want %+v", got, err, created)
	}
	if byID, err := UserByID(ctx, db, created.ID); err != nil || byID.Email != created.Email {
		t.Errorf("UserByID = %+v, %v", byID, err)
	}
	if _, err := UserByEmail(ctx, db, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown email: %v, want ErrNotFound", err)
	}
	if _, err := UserByID(ctx, db, "not-a-uuid"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v, want ErrNotFound", err)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	u, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		email, password string
		want            error
	}{
		{"DEV@example.com", "long enough pw", nil},
		{"dev@example.com", "long enough pX", ErrWrongPassword},
		{"nobody@example.com", "long enough pw", ErrNotFound},
	} {
		got, err := CheckPassword(ctx, db, tc.email, tc.password)
		if !errors.Is(err, tc.want) || (err == nil && got.ID != u.ID) {
			t.Errorf("CheckPassword(%q, %q) = %+v, %v; want %v", tc.email, tc.password, got, err, tc.want)
		}
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	u, err := CreateUserWithParams(ctx, db, "dev@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	for i, size := range []int64{100, 5 << 30} {
		_, err := db.Exec(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
			VALUES ($1, 'f', $2, sha256('x'), 'text/plain', $3)`, u.ID, size, fmt.Sprint("key", i))
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := Stats(ctx, db)
	if want := (Totals{Users: 1, Files: 2, Bytes: 100 + 5<<30}); err != nil || got != want {
		t.Errorf("Stats = %+v, %v; want %+v", got, err, want)
	}
}
