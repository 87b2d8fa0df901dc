package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/ferryhq/ferry/internal/devstack"
)

// servers are what testenv started, with their folders.
type servers struct {
	log   *slog.Logger
	pg    *devstack.Postgres
	redis *devstack.Redis
	dirs  []string
}

// start starts Postgres unless TEST_DATABASE_URL is set, and Redis unless
// TEST_REDIS_URL is, and returns the variables that reach them.
func (s *servers) start(ctx context.Context, getenv func(string) string) ([]string, error) {
	var env []string
	if getenv("TEST_DATABASE_URL") == "" {
		dir, err := s.tempDir("ferry-testenv-pg-")
		if err != nil {
			return nil, err
		}
		// fsync off: the data lives only as long as the run.
		if s.pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{DataDir: dir, Fast: true, Log: s.log}); err != nil {
			return nil, err
		}
		env = append(env, "TEST_DATABASE_URL="+s.pg.URL())
	}
	if getenv("TEST_REDIS_URL") == "" {
		dir, err := s.tempDir("ferry-testenv-redis-")
		if err != nil {
			return nil, err
		}
		if s.redis, err = devstack.StartRedis(ctx, devstack.RedisOptions{Dir: dir, Log: s.log}); err != nil {
			return nil, err
		}
		env = append(env, "TEST_REDIS_URL="+s.redis.URL())
	}
	return env, nil
}

func (s *servers) tempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("data folder: %w", err)
	}
	s.dirs = append(s.dirs, dir)
	return dir, nil
}

// stop stops what was started and removes its folders.
func (s *servers) stop() error {
	var errs []error
	if s.redis != nil {
		errs = append(errs, s.redis.Stop())
	}
	if s.pg != nil {
		errs = append(errs, s.pg.Stop(context.Background()))
	}
	for _, dir := range s.dirs {
		errs = append(errs, os.RemoveAll(dir))
	}
	return errors.Join(errs...)
}
