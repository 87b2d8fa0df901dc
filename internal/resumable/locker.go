package resumable

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Locker is tusd's upload lock held in Redis, so that two replicas never
// write one upload at once: SET NX PX with a random token, renewed while
// held, released only by its holder. A request that waits for a lock
// leaves a release request beside it, which the holder sees at its next
// renewal and answers by ending its request (tusd's requestUnlock): a
// client that reconnects after a dropped PATCH need not wait for the old
// request to time out.
type Locker struct {
	Redis  *redis.Client
	Prefix string        // before every key, e.g. "ferry:tus-lock:"
	TTL    time.Duration // a crashed holder's lock lasts this long; 0: 10s
	Poll   time.Duration // how often a waiter tries again; 0: 100ms
}

// NewLock returns an unlocked lock of one upload.
func (l *Locker) NewLock(id string) (handler.Lock, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	ttl, poll := l.TTL, l.Poll
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	return &redisLock{rdb: l.Redis, key: l.Prefix + id, token: hex.EncodeToString(b), ttl: ttl, poll: poll}, nil
}

type redisLock struct {
	rdb        *redis.Client
	key, token string
	ttl, poll  time.Duration
	stop       chan struct{}
	done       chan struct{}
}

// renew extends the lock if it is still ours and tells whether another
// request asked for it.
var renew = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('EXISTS', KEYS[2])`)

// release deletes the lock only if it is still ours.
var release = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 0`)

// Lock takes the lock, waiting until ctx ends (tusd's AcquireLockTimeout).
func (l *redisLock) Lock(ctx context.Context, requestUnlock func()) error {
	for {
		ok, err := l.rdb.SetNX(ctx, l.key, l.token, l.ttl).Result()
		if err != nil && ctx.Err() == nil {
			// Noted as a backing failure, so that tusd's 500 becomes the
			// 503 with Retry-After of a Redis that is down.
			return noteFailure(ctx, fmt.Errorf("take upload lock: %w", err))
		}
		if ok {
			// A release asked of the last holder is not meant for us.
			_ = l.rdb.Del(ctx, l.key+":release").Err()
			l.stop, l.done = make(chan struct{}), make(chan struct{})
			go l.keep(requestUnlock)
			return nil
		}
		// Ask the holder to let go, at every try: the holder that takes
		// the lock next clears the request. It expires with the lock.
		_ = l.rdb.Set(ctx, l.key+":release", "1", l.ttl).Err()
		select {
		case <-ctx.Done():
			return handler.ErrLockTimeout
		case <-time.After(l.poll):
		}
	}
}

// keep renews the lock at a third of its lifetime until Unlock.
func (l *redisLock) keep(requestUnlock func()) {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	told := false
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
		n, err := renew.Run(ctx, l.rdb, []string{l.key, l.key + ":release"}, l.token, l.ttl.Milliseconds()).Int()
		cancel()
		if (err == nil && n != 0 || errors.Is(err, redis.Nil)) && !told {
			// Asked for, or lost (expired or taken): end the request.
			told = true
			requestUnlock()
		}
	}
}

// Unlock releases the lock if it is still ours.
func (l *redisLock) Unlock() error {
	if l.stop != nil {
		close(l.stop)
		<-l.done
		l.stop = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := release.Run(ctx, l.rdb, []string{l.key, l.key + ":release"}, l.token).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("release upload lock: %w", err)
	}
	return nil
}
