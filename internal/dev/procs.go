package dev

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
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

// pipe returns a writer for one child's output.
func (p *prefixer) pipe(name string) *lineWriter {
	return &lineWriter{p: p, prefix: fmt.Sprintf("%-7s| ", name)}
}

type lineWriter struct {
	p      *prefixer
	prefix string
	buf    []byte
	last   string
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(l.buf[:i])
		l.buf = l.buf[i+1:]
		l.last = line
		l.p.plain(l.prefix + line + "\n")
	}
}

// runOnce runs a one-off command (migrate, admin) to completion.
func runOnce(ctx context.Context, exe string, env map[string]string, out *prefixer, stdin string, args ...string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = toList(env)
	cmd.Stdin = strings.NewReader(stdin)
	stdout, stderr := out.pipe(args[0]), out.pipe(args[0])
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, stderr.last)
	}
	return nil
}

type exit struct {
	name string
	err  error
}

// supervise runs web, worker and clock until ctx ends or one of them
// exits, then drains the rest.
func supervise(ctx context.Context, exe string, env map[string]string, out *prefixer, log *slog.Logger) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	procs := map[string]string{"web": "", "worker": "METRICS_PORT=" + ports[0], "clock": "METRICS_PORT=" + ports[1]}
	running := map[string]*exec.Cmd{}
	exits := make(chan exit, len(procs))
	for name, extra := range procs {
		cmd, err := startChild(exe, name, env, extra, out)
		if err != nil {
			drain(running, exits, log)
			return err
		}
		running[name] = cmd
		go func() { exits <- exit{name, cmd.Wait()} }()
	}
	var failed error
	select {
	case <-ctx.Done():
		log.Info("stopping: draining web, worker and clock")
	case e := <-exits:
		delete(running, e.name)
		failed = fmt.Errorf("%s exited unexpectedly (%v); stopping the rest", e.name, e.err)
	}
	if err := drain(running, exits, log); failed == nil {
		failed = err
	}
	return failed
}

func startChild(exe, name string, env map[string]string, extra string, out *prefixer) (*exec.Cmd, error) {
	cmd := exec.Command(exe, name)
	cmd.Env = toList(env)
	if extra != "" {
		cmd.Env = append(cmd.Env, extra)
	}
	cmd.Stdout, cmd.Stderr = out.pipe(name), out.pipe(name)
	// Own process group: a terminal's Ctrl-C reaches dev alone, which
	// then drains the children before stopping the services under them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return cmd, nil
}

// drainLimit is past any SHUTDOWN_TIMEOUT a developer would set locally.
const drainLimit = 40 * time.Second

// drain sends SIGTERM to every running child and waits for each; one
// still running at the limit is killed. It reports a child that failed.
func drain(running map[string]*exec.Cmd, exits chan exit, log *slog.Logger) error {
	for _, cmd := range running {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	var failed error
	deadline := time.After(drainLimit)
	for len(running) > 0 {
		select {
		case e := <-exits:
			delete(running, e.name)
			if e.err != nil && failed == nil {
				failed = fmt.Errorf("%s did not stop cleanly: %v", e.name, e.err)
			}
		case <-deadline:
			for name, cmd := range running {
				log.Warn("killing a process that did not drain in time", "process", name)
				_ = cmd.Process.Kill()
			}
			deadline = nil
		}
	}
	return failed
}
