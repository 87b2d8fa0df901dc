package dev

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
)

// prefixer writes each child's lines whole, behind the child's name, so
// the mixed stream reads like a platform's log view.
type prefixer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *prefixer) plain(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, s)
}

// pipe returns a writer for one output stream of one child.
func (p *prefixer) pipe(name string) *lineWriter {
	return &lineWriter{p: p, prefix: fmt.Sprintf("%-7s| ", name)}
}

// lineWriter cuts a stream into lines. os/exec gives each stream its own
// copying goroutine, so a lineWriter needs no lock of its own.
type lineWriter struct {
	p      *prefixer
	prefix string
	buf    []byte
	last   string // the last line, to explain a failure
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// flush writes a last line that had no newline; call it after the child
// has been waited for.
func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

func (l *lineWriter) emit(line string) {
	l.last = line
	l.p.plain(l.prefix + line + "\n")
}

// oneOffError is a one-off command's failure with the last line it wrote
// to stderr, which usually says why.
type oneOffError struct {
	err    error
	stderr string
}

func (e *oneOffError) Error() string { return fmt.Sprintf("%v: %s", e.err, e.stderr) }
func (e *oneOffError) Unwrap() error { return e.err }

// oneOffGrace is how long a one-off gets after SIGTERM before it is killed.
const oneOffGrace = 10 * time.Second

// runOnce runs a one-off command (migrate, admin) to completion; ending
// ctx sends it SIGTERM.
func runOnce(ctx context.Context, exe string, env map[string]string, out *prefixer, stdin string, args ...string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = oneOffGrace
	cmd.SysProcAttr = devstack.ChildAttr(syscall.SIGTERM)
	cmd.Env = toList(env)
	cmd.Stdin = strings.NewReader(stdin)
	stdout, stderr := out.pipe(args[0]), out.pipe(args[0])
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	stdout.flush()
	stderr.flush()
	if err != nil {
		return &oneOffError{err: err, stderr: stderr.last}
	}
	return nil
}
