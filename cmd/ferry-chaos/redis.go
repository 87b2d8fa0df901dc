package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/ferryhq/ferry/internal/devstack"
)

// redisServer is the private Redis, restarted on the same port for
// outages. It keeps nothing on disk: sessions and rate-limit counters are
// lost with it, as they would be with a Redis that lost its memory.
type redisServer struct {
	dir  string
	port int
	r    *devstack.Redis
}

// startRedis starts the private Redis.
func (s *suite) startRedis(ctx context.Context) error {
	s.logf("starting redis")
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	r := &redisServer{dir: filepath.Join(s.dir, "redis"), port: port}
	s.stack.redis = r
	s.onClose("stop redis", func(context.Context) error { return r.stop() })
	return r.start(ctx)
}

func (r *redisServer) start(ctx context.Context) error {
	rd, err := devstack.StartRedis(ctx, devstack.RedisOptions{Dir: r.dir, Port: r.port})
	if err != nil {
		return err
	}
	r.r = rd
	return nil
}

func (r *redisServer) stop() error {
	if r.r == nil {
		return nil
	}
	err := r.r.Stop()
	r.r = nil
	return err
}

// url reaches database 0.
func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }
