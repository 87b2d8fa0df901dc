package account

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestListUsersPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	for _, e := range []string{"a@x.example", "b@x.example", "c@x.example", "d@y.example", "e@x.example"} {
		if _, err := CreateUserWithParams(ctx, db, e, "long enough pw", fast); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	cursor, pages := "", 0
	for {
		p, err := ListUsers(ctx, db, "X.EXAMPLE", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			got = append(got, u.Email)
		}
		pages++
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(got) != 4 || pages != 2 || got[0] != "a@x.example" || got[3] != "e@x.example" {
		t.Errorf("%d pages of %v", pages, got)
	}
	for _, bad := range []string{"x", "2026-01-01T00:00:00Z_nope", "yesterday_3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab"} {
		if _, err := ListUsers(ctx, db, "", bad, 2); err != ErrBadCursor {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

// TestLastAdminRace has two admins demote each other at once: one wins,
// one is refused, and an admin is left.
func TestLastAdminRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	var ids [2]string
	for i, e := range []string{"a@x.example", "b@x.example"} {
		u, err := CreateUserWithParams(ctx, db, e, "long enough pw", fast)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
		if _, err := db.Exec(ctx, "UPDATE users SET role = 'admin' WHERE id = $1", u.ID); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
				yes := true
				_, err := UpdateUser(ctx, tx, ids[i], UserChange{Disabled: &yes})
				return err
			})
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || (errs[0] != ErrLastAdmin && errs[1] != ErrLastAdmin) {
		t.Errorf("errors %v", errs)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d enabled admins, %v", n, err)
	}
}
