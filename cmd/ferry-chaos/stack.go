package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// stack is everything setup started and how to reach it.
type stack struct {
	ferry   string // the built binary
	pg      *postgresServer
	redis   *redisServer
	s3      *s3Server
	webs    []*ferryProc // two, behind nginx
	worker  *ferryProc
	clocks  []*ferryProc // one, two during the clocks scenario
	nginx   *nginxProc   // the balancer over the webs; the clients talk to a front nginx before it (nginx.go)
	ends    *endpoints   // takes webs that stop out of nginx, and back in once ready
	baseURL string       // nginx
	token   string       // the suite user's API token
	cookie  string       // the suite user's session cookie, from POST /api/v1/login
	pass    string       // the suite user's password
}

// setup builds Ferry, starts the backing services, migrates, creates the
// user and token, then starts the webs, nginx, a worker, a clock and the
// endpoints watcher.
func (s *suite) setup(ctx context.Context) error {
	s.stack = &stack{}
	if err := os.Mkdir(s.logDir(), 0o755); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	for _, start := range []func(context.Context) error{
		s.buildFerry, s.startPostgres, s.startRedis, s.startS3, s.prepareFerry,
		s.planWebs, s.startNginx, s.startProcesses, s.startEndpoints, s.signIn,
	} {
		if err := start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// logDir holds one log file per process.
func (s *suite) logDir() string { return filepath.Join(s.dir, "logs") }

// buildFerry builds the ferry binary from the checkout this runs in, once.
func (s *suite) buildFerry(ctx context.Context) error {
	s.logf("building ferry")
	bin, err := harness.BuildFerry(ctx, s.dir)
	s.stack.ferry = bin
	return err
}

// startProcesses starts both webs, then the worker and the clock.
func (s *suite) startProcesses(ctx context.Context) error {
	for _, w := range s.stack.webs {
		if err := s.startFerry(ctx, w); err != nil {
			return err
		}
	}
	worker, err := s.newFerryProc("worker", "worker")
	if err != nil {
		return err
	}
	s.stack.worker = worker
	if err := s.startFerry(ctx, worker); err != nil {
		return err
	}
	return s.addClock(ctx)
}

// addClock starts one more `ferry clock`.
func (s *suite) addClock(ctx context.Context) error {
	clock, err := s.newFerryProc(fmt.Sprintf("clock-%d", len(s.stack.clocks)+1), "clock")
	if err != nil {
		return err
	}
	s.stack.clocks = append(s.stack.clocks, clock)
	return s.startFerry(ctx, clock)
}

// randomHex is n random bytes, hex encoded.
func randomHex(n int) string {
	p := make([]byte, n)
	_, _ = rand.Read(p)
	return hex.EncodeToString(p)
}
