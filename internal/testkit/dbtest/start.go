package dbtest

import (
	"context"
	"fmt"
	"os"

	"github.com/ferryhq/ferry/internal/devstack"
)

// startPostgres starts a throwaway server for this process (fsync off: the
// data lives only as long as the tests) and returns its URL.
func startPostgres(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "ferry-dbtest-pg-")
	if err != nil {
		return "", fmt.Errorf("data folder: %w", err)
	}
	p, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{DataDir: dir, Fast: true, Log: quietLog()})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	onStop(func() error {
		err := p.Stop(context.Background())
		if rmErr := os.RemoveAll(dir); err == nil {
			err = rmErr
		}
		return err
	})
	return p.URL(), nil
}

// startRedis starts a server for this process and returns its URL.
func startRedis(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "ferry-dbtest-redis-")
	if err != nil {
		return "", fmt.Errorf("redis folder: %w", err)
	}
	r, err := devstack.StartRedis(ctx, devstack.RedisOptions{Dir: dir, Log: quietLog()})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	onStop(func() error {
		err := r.Stop()
		if rmErr := os.RemoveAll(dir); err == nil {
			err = rmErr
		}
		return err
	})
	return r.URL(), nil
}
