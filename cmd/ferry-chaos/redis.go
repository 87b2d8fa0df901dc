package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
)

// redisServer is a private redis-server, stopped and started again on the
// same port and folder for outages. It keeps an append-only file, as a
// production Redis would, so sessions survive its restart; what an outage
// tests is the time it is away, not a Redis that forgets.
type redisServer struct {
	bin, dir, logDir string
	port             int
	proc             *child
}

// startRedis starts the private Redis.
func (s *suite) startRedis(ctx context.Context) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("no redis-server on PATH (apt-get install redis-server)")
	}
	port, err := devstack.FreePort()
	if err != nil {
		return err
	}
	r := &redisServer{bin: bin, dir: filepath.Join(s.dir, "redis"), logDir: s.logDir(), port: port}
	if err := os.Mkdir(r.dir, 0o755); err != nil {
		return fmt.Errorf("redis folder: %w", err)
	}
	s.logf("starting redis on %s", r.addr())
	s.stack.redis = r
	s.onClose("stop redis", r.stop)
	return r.start(ctx)
}

// start runs redis-server and waits until it takes connections.
func (r *redisServer) start(ctx context.Context) error {
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir)
	p, err := startChild("redis", r.logDir, cmd)
	if err != nil {
		return err
	}
	r.proc = p
	return p.waitTCP(ctx, r.addr(), 10*time.Second)
}

// stop ends the server with SIGTERM, which writes what it holds first.
func (r *redisServer) stop(ctx context.Context) error {
	if r.proc == nil {
		return nil
	}
	return r.proc.stop(ctx)
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// url reaches database 0.
func (r *redisServer) url() string { return "redis://" + r.addr() + "/0" }
