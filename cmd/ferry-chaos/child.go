package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// child is a process this command started and must stop. Its output goes
// to a log file in the temp folder; the last line explains an early exit.
type child struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	last *lastLine
	done chan struct{}
	err  error // from Wait, once done is closed
}

// startChild starts cmd in its own process group, so a terminal's Ctrl-C
// reaches us first and we stop it in order; it dies with us if we are
// killed outright. Its output is appended to logDir/name.log.
func startChild(name, logDir string, cmd *exec.Cmd) (*child, error) {
	// twelve-factor:ignore TF11-LOG-FILE the chaos harness keeps each child's output for the run's report; no service writes it
	f, err := os.OpenFile(filepath.Join(logDir, logName(name)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: f, last: &lastLine{}, done: make(chan struct{})}
	w := c.writer()
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = devstack.ChildAttr(syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { c.err = c.cmd.Wait(); _ = c.log.Close(); close(c.done) }()
	return c, nil
}

// logName turns a process name such as "ferry web a" into a file name.
func logName(name string) string {
	return strings.ReplaceAll(name, " ", "-") + ".log"
}

// writer sends output both to the log file and to the last-line keeper.
func (c *child) writer() *multiWriter { return &multiWriter{c.log, c.last} }

// exited describes an early exit in one line.
func (c *child) exited() error {
	if line := c.last.get(); line != "" {
		return fmt.Errorf("%s exited: %v: %s", c.name, c.err, line)
	}
	return fmt.Errorf("%s exited: %v", c.name, c.err)
}

// running reports whether the process has not exited yet.
func (c *child) running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the process, if it still runs.
func (c *child) signal(sig syscall.Signal) {
	if c.running() {
		_ = c.cmd.Process.Signal(sig)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	c.signal(syscall.SIGKILL)
	<-c.done
}

// stop sends SIGTERM and waits; past ctx it kills.
func (c *child) stop(ctx context.Context) error {
	if !c.running() {
		return nil
	}
	c.signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
	}
	c.kill()
	return fmt.Errorf("%s did not stop in time and was killed", c.name)
}

// wait waits for the process to exit, up to limit.
func (c *child) wait(limit time.Duration) error {
	select {
	case <-c.done:
		return nil
	case <-time.After(limit):
		return fmt.Errorf("%s still running after %v", c.name, limit)
	}
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

// multiWriter writes to each writer in turn; the log file's errors are
// ignored, so a full disk never blocks a child on its output.
type multiWriter struct {
	f    *os.File
	last *lastLine
}

func (w *multiWriter) Write(p []byte) (int, error) {
	_, _ = w.f.Write(p)
	return w.last.Write(p)
}

// lastLine keeps the last non-empty line written to it.
type lastLine struct {
	mu      sync.Mutex
	line    string
	partial strings.Builder
}

func (l *lastLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range string(p) {
		if r != '\n' {
			l.partial.WriteRune(r)
			continue
		}
		if s := strings.TrimSpace(l.partial.String()); s != "" {
			l.line = s
		}
		l.partial.Reset()
	}
	if l.partial.Len() > 4096 {
		l.partial.Reset()
	}
	return len(p), nil
}

func (l *lastLine) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := strings.TrimSpace(l.partial.String()); s != "" {
		return s
	}
	return l.line
}
