package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// process is a server child: its command, the end of its life, and the
// last lines it printed, to explain a failed start.
type process struct {
	cmd    *exec.Cmd
	name   string
	done   chan struct{}
	output *tail
}

// startProcess starts cmd with its output going to log at debug level:
// servers' own logs are noise until something goes wrong.
func startProcess(cmd *exec.Cmd, log *slog.Logger) (*process, error) {
	name := filepath.Base(cmd.Path)
	p := &process{cmd: cmd, name: name, done: make(chan struct{}), output: newTail(20, log.With("server", name))}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// waitReady polls ready until it succeeds, failing early with what the
// server last said if it exits, and giving up after limit or with ctx.
func (p *process) waitReady(ctx context.Context, limit time.Duration, ready func(context.Context) error) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited at start: %s\n%s", p.name, p.cmd.ProcessState, p.output)
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s not ready within %v (%w):\n%s", p.name, limit, err, p.output)
		case <-tick.C:
		}
	}
}

// stopGrace is how long a server gets to shut down before it is killed.
const stopGrace = 10 * time.Second

// stop sends sig and waits; past ctx or stopGrace it kills the server's
// process group, which it leads. (Postgres's own children leave the group
// and end by themselves once the postmaster is gone.)
func (p *process) stop(ctx context.Context, sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
	case <-grace.C:
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
	return fmt.Errorf("%s did not stop in time and was killed", p.name)
}
