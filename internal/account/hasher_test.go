package account

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestHasherBound runs 60 hashes and verifies at once and checks that no
// more ran together than the budget holds, whatever mix of costs.
func TestHasherBound(t *testing.T) {
	t.Parallel()
	// Slow enough (t=64, the most a stored hash may name) that 60 at once overlap and the bound bites.
	stored, err := HashPassword("correct horse battery", Params{Memory: 128, Time: 64, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		budget int64 // bytes
		want   int64 // most at once
	}{
		{"four cheap hashes", 4 * 128 << 10, 4},
		{"one at a time", 128 << 10, 1},
		{"budget under one hash", 1 << 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHasher(tt.budget, time.Minute)
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Go(func() {
					var err error
					if i%2 == 0 {
						_, err = h.Hash(context.Background(), "correct horse battery", Params{Memory: 128, Time: 64, Threads: 1, SaltLen: 16, KeyLen: 32})
					} else {
						_, err = h.Verify(context.Background(), stored, "guess guess guess")
					}
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			// At least two overlapped where the budget allows, or the
			// bound was never put to the test.
			if p := h.Peak(); p > tt.want || p < min(2, tt.want) {
				t.Errorf("peak %d hashes at once, want 2 to %d", p, tt.want)
			}
		})
	}
}

// TestHasherBusy holds the whole budget and checks that the next hash
// waits its time, then fails with ErrBusy, or with the context's error
// when the caller gave up first.
func TestHasherBusy(t *testing.T) {
	t.Parallel()
	h := NewHasher(64<<10, 20*time.Millisecond)
	release, err := h.acquire(context.Background(), 64)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	if _, err := h.Hash(context.Background(), "correct horse battery", fast); !errors.Is(err, ErrBusy) {
		t.Errorf("hash past the budget: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("ErrBusy after %v, before the wait", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Verify(ctx, dummyHash(), "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("verify with a cancelled context: %v", err)
	}
	if _, err := h.Verify(context.Background(), "not a hash", "x"); !errors.Is(err, ErrMalformedHash) {
		t.Errorf("malformed hash: %v", err)
	}
	var none *Hasher
	if _, err := none.Hash(context.Background(), "correct horse battery", fast); err != nil {
		t.Errorf("nil Hasher: %v", err)
	}
}
