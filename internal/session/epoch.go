package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Epochs are the users' sign-out epochs in Redis. A browser session keeps
// its user's epoch from sign-in; raising the epoch ("sign out everywhere",
// a changed password) ends every session that holds an older one, on
// every replica at once.
type Epochs struct {
	Redis  *redis.Client
	Prefix string // before every key, such as "ferry:epoch:"
}

// Current is userID's epoch, 0 before the first sign-out everywhere.
func (e Epochs) Current(ctx context.Context, userID string) (int64, error) {
	n, err := e.Redis.Get(ctx, e.Prefix+userID).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read sign-out epoch: %w", err)
	}
	return n, nil
}

// Raise ends every session of userID signed in until now.
func (e Epochs) Raise(ctx context.Context, userID string) error {
	if err := e.Redis.Incr(ctx, e.Prefix+userID).Err(); err != nil {
		return fmt.Errorf("raise sign-out epoch: %w", err)
	}
	return nil
}
