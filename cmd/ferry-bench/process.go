package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// child is a server process this command started and must stop.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *lastLineWriter
	done chan struct{}
	err  error // from Wait, once done is closed
}

// startChild starts cmd in its own process group, so a terminal's Ctrl-C
// reaches us first and we stop it in order; it dies with us if we are
// killed outright.
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	c := &child{name: name, cmd: cmd, out: &lastLineWriter{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	return c, nil
}

// pid is the process id, for reading its memory.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited describes an early exit in one line.
func (c *child) exited() error {
	if line := c.out.last(); line != "" {
		return fmt.Errorf("%s exited: %v: %s", c.name, c.err, line)
	}
	return fmt.Errorf("%s exited: %v", c.name, c.err)
}

// stop sends SIGTERM and waits; past ctx it kills.
func (c *child) stop(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	return fmt.Errorf("%s did not stop in time and was killed", c.name)
}

// waitTCP waits until addr accepts a connection, failing early if the
// child exits.
func (c *child) waitTCP(ctx context.Context, addr string, limit time.Duration) error {
	return c.poll(ctx, limit, harness.Dial(addr))
}

// poll calls try until it succeeds, failing early if the child exits.
func (c *child) poll(ctx context.Context, limit time.Duration, try func(context.Context) error) error {
	return harness.Poll(ctx, c.name, limit, c.done, c.exited, try)
}

// lastLineWriter keeps the last non-empty line written to it.
type lastLineWriter struct {
	mu      sync.Mutex
	line    string
	partial strings.Builder
}

func (w *lastLineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range string(p) {
		if r != '\n' {
			w.partial.WriteRune(r)
			continue
		}
		if s := strings.TrimSpace(w.partial.String()); s != "" {
			w.line = s
		}
		w.partial.Reset()
	}
	if w.partial.Len() > 4096 {
		w.partial.Reset()
	}
	return len(p), nil
}

func (w *lastLineWriter) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := strings.TrimSpace(w.partial.String()); s != "" {
		return s
	}
	return w.line
}
