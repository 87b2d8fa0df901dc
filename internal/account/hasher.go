package account

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrBusy reports that the hashes already in flight hold all the memory
// set aside for them, and none ended within the wait: the request is
// refused (503) rather than the process growing without bound.
var ErrBusy = errors.New("too many password hashes in flight")

// DefaultHashWait is how long a hash waits for memory before ErrBusy: long
// enough to ride out a burst of honest sign-ins, short enough that a flood
// is answered quickly instead of piling up goroutines.
const DefaultHashWait = 2 * time.Second

// Hasher runs argon2id hashes within a memory budget shared by every
// caller in the process: signup, login, password changes and share
// passwords. Each hash weighs its parameters' memory (m, in KiB), so the
// budget holds whatever costs old stored hashes carry.
//
// A nil *Hasher hashes without a bound; admin commands and tests use it.
type Hasher struct {
	sem     *semaphore.Weighted
	budget  int64 // KiB
	wait    time.Duration
	running atomic.Int64
	peak    atomic.Int64
}

// NewHasher makes a Hasher that lets hashes hold at most memory bytes at
// once, each waiting at most wait for its share. A budget smaller than one
// hash still runs that hash, alone.
func NewHasher(memory int64, wait time.Duration) *Hasher {
	budget := max(memory>>10, 1)
	return &Hasher{sem: semaphore.NewWeighted(budget), budget: budget, wait: wait}
}

// Hash is HashPassword within the budget.
func (h *Hasher) Hash(ctx context.Context, password string, p Params) (string, error) {
	release, err := h.acquire(ctx, p.Memory)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, p)
}

// Verify is VerifyPassword within the budget, weighed by the memory the
// stored hash names. A malformed hash costs nothing and is refused as
// VerifyPassword refuses it.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (bool, error) {
	p, _, _, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	release, err := h.acquire(ctx, p.Memory)
	if err != nil {
		return false, err
	}
	defer release()
	return VerifyPassword(hash, password)
}

// Peak is the most hashes that have run at once in this Hasher's life,
// for tests and for sizing HASH_MEMORY.
func (h *Hasher) Peak() int64 {
	if h == nil {
		return 0
	}
	return h.peak.Load()
}

// acquire takes memory KiB of the budget, waiting at most h.wait; the
// returned func gives it back.
func (h *Hasher) acquire(ctx context.Context, memory uint32) (func(), error) {
	if h == nil {
		return func() {}, nil
	}
	weight := min(int64(memory), h.budget)
	wctx, cancel := context.WithTimeout(ctx, h.wait)
	defer cancel()
	if err := h.sem.Acquire(wctx, weight); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the client left; not a sign of load
		}
		return nil, ErrBusy
	}
	n := h.running.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	return func() {
		h.running.Add(-1)
		h.sem.Release(weight)
	}, nil
}
