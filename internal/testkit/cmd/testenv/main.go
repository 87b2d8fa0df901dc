// Command testenv runs a command, typically `go test -race ./...`, with
// one Postgres and one Redis for the whole run. Without TEST_DATABASE_URL
// and TEST_REDIS_URL every test binary would start servers of its own
// (internal/testkit/dbtest); testenv starts them once, from the same local
// binaries (internal/devstack), exports the two variables, runs the
// command and stops the servers afterwards, whether the command passed,
// failed or was interrupted. A variable that is already set is passed on
// as it is, and nothing is started for it.
//
//	go run ./internal/testkit/cmd/testenv go test -race ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// startLimit bounds starting both servers; a cold initdb takes seconds.
const startLimit = 2 * time.Minute

func main() {
	sigs := make(chan os.Signal, 1)
	// Ctrl-C reaches the command too; testenv stays to stop the servers.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], host{environ: os.Environ(), stdout: os.Stdout, stderr: os.Stderr, sigs: sigs}))
}

// host is what run takes from its process, apart so tests can fake it.
type host struct {
	environ        []string // passed on to the command, with the URLs added
	stdout, stderr io.Writer
	sigs           <-chan os.Signal
}

// getenv is os.Getenv over h.environ.
func (h host) getenv(key string) string {
	for _, kv := range h.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// run starts what the environment lacks, runs args with it and returns
// the exit code to leave with. A signal during the start gives up; during
// the command it is passed on to the command.
func run(args []string, h host) int {
	if len(args) == 0 {
		fmt.Fprintln(h.stderr, "usage: testenv COMMAND [ARG...]")
		return 2
	}
	env, stop, err := start(h)
	if err != nil {
		fmt.Fprintln(h.stderr, "testenv:", err)
		return 1
	}
	code := command(args, append(h.environ, env...), h)
	if err := stop(); err != nil {
		fmt.Fprintln(h.stderr, "testenv: stop:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// start starts the servers the environment names no URL for and returns
// the variables to add and the function that stops what was started.
func start(h host) ([]string, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startLimit)
	defer cancel()
	started := make(chan struct{})
	defer close(started)
	go func() {
		select {
		case <-h.sigs:
			cancel()
		case <-started:
		}
	}()
	s := servers{log: slog.New(slog.NewTextHandler(h.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	env, err := s.start(ctx, h.getenv)
	if err != nil {
		return nil, nil, errors.Join(err, s.stop())
	}
	for _, kv := range env {
		fmt.Fprintln(h.stderr, "testenv: started", kv)
	}
	return env, s.stop, nil
}

// command runs args with env, passes signals on, and returns its exit code.
func command(args, env []string, h host) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, h.stdout, h.stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(h.stderr, "testenv:", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-h.sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

// exitCode is the code a finished command's error stands for.
func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default: // killed by a signal, or not waited for
		return 1
	}
}
