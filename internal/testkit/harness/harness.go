// Package harness holds what the programs that drive a real Ferry stack
// from outside (cmd/ferry-bench, cmd/ferry-chaos) share: building the
// binary under test, running its one-off commands, and waiting for a child
// process to come up.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BuildFerry builds a static ferry binary from the module the caller runs
// in, into dir, and returns its path.
func BuildFerry(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ferry")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ferry")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ferry: %w: %s", err, LastLine(string(out)))
	}
	return bin, nil
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

// RunOnce runs a one-off command of bin (ferry migrate, ferry admin ...)
// in dir with env and stdin, and returns its stdout; a failure names the
// last line it printed.
func RunOnce(ctx context.Context, bin string, env []string, dir, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = env, dir, strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ferry %s: %w: %s", strings.Join(args, " "), err, LastLine(stderr.String()+"\n"+stdout.String()))
	}
	return stdout.String(), nil
}

// LastLine is the last non-blank line of s, for error messages.
func LastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// Poll calls try every 50ms until it succeeds, done closes (the child
// exited: exited says how), ctx ends or limit passes.
func Poll(ctx context.Context, name string, limit time.Duration, done <-chan struct{}, exited func() error, try func(context.Context) error) error {
	deadline := time.Now().Add(limit)
	for {
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		err := try(tctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return exited()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %v: %w", name, limit, err)
		}
	}
}

// Dial is a Poll try that succeeds once addr accepts a connection.
func Dial(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = conn.Close()
		}
		return err
	}
}
