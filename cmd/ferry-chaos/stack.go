package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	baseURL string       // nginx
	token   string       // the suite user's API token
	cookie  string       // the suite user's session cookie, from POST /api/v1/login
	pass    string       // the suite user's password
}

// setup builds Ferry, starts the backing services, migrates, creates the
// user and token, then starts the webs, nginx, a worker and a clock.
func (s *suite) setup(ctx context.Context) error {
	s.stack = &stack{}
	if err := os.Mkdir(s.logDir(), 0o755); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	for _, start := range []func(context.Context) error{
		s.buildFerry, s.startPostgres, s.startRedis, s.startS3, s.prepareFerry,
		s.planWebs, s.startNginx, s.startProcesses, s.signIn,
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
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	s.logf("building ferry")
	s.stack.ferry = filepath.Join(s.dir, "ferry")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", s.stack.ferry, "./cmd/ferry")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/ferry: %w: %s", err, lastLineOf(string(out)))
	}
	return nil
}

// moduleRoot is the folder of the go.mod that encloses the working folder.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the Ferry module (go env GOMOD found none)")
	}
	return filepath.Dir(gomod), nil
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

// lastLineOf is the last non-empty line of s, for one-line error messages.
func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
