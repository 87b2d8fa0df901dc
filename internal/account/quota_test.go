package account

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	alice, err := CreateUserWithParams(ctx, db, "alice@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := CreateUserWithParams(ctx, db, "bob@example.com", "long enough pw", fast)
	if _, err := db.Exec(ctx, `UPDATE users SET quota_bytes = 100 WHERE id = $1`, alice.ID); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		room int64 // alice's room after the step
		want error
	}{
		{"charge within", func() error { return Charge(ctx, db, alice.ID, 60, 0) }, 40, nil},
		{"charge past", func() error { return Charge(ctx, db, alice.ID, 41, 0) }, 40, ErrOverQuota},
		{"charge to the byte", func() error { return Charge(ctx, db, alice.ID, 40, 0) }, 0, nil},
		{"refund", func() error { return Refund(ctx, db, alice.ID, 100) }, 100, nil},
		{"refund below zero stops at zero", func() error { return Refund(ctx, db, alice.ID, 5) }, 100, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); !errors.Is(err, st.want) {
				t.Fatalf("got %v, want %v", err, st.want)
			}
			if room, err := Room(ctx, db, alice.ID, 0); err != nil || room != st.room {
				t.Errorf("room = %d, %v; want %d", room, err, st.room)
			}
		})
	}
	if room, _ := Room(ctx, db, bob.ID, 0); room != -1 {
		t.Errorf("unlimited room = %d, want -1", room)
	}
	if room, _ := Room(ctx, db, bob.ID, 1000); room != 1000 {
		t.Errorf("default quota room = %d, want 1000", room)
	}
	if _, err := Room(ctx, db, "00000000-0000-0000-0000-000000000000", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("room of nobody: %v", err)
	}

	// Parallel charges never overshoot: 20 of 10 bytes into 100.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Go(func() {
			if Charge(ctx, db, alice.ID, 10, 0) == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 10 {
		t.Errorf("%d parallel charges of 10 fit in 100, want 10", ok)
	}
}
