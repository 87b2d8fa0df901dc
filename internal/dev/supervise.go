package dev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
)

// child is a running process type.
type child struct {
	name string
	cmd  *exec.Cmd
}

type exit struct {
	name string
	err  error
}

// supervise runs web, worker and clock until ctx ends or one of them
// exits, then drains them all.
func supervise(ctx context.Context, o Options, env map[string]string, out *prefixer) error {
	specs, err := processTypes()
	if err != nil {
		return err
	}
	running := map[string]*child{}
	exits := make(chan exit, len(specs))
	for _, s := range specs {
		c, err := startChild(o.Exe, s.name, toList(env, s.env...), out, exits)
		if err != nil {
			_ = drain(running, exits, o.Log)
			return err
		}
		running[s.name] = c
		o.Log.Info("started", "child", s.name, "pid", c.cmd.Process.Pid, "env", strings.Join(s.env, " "))
	}
	o.Log.Info("ferry is running", "url", env["PUBLIC_URL"], "stop", "Ctrl-C")
	var announced sync.WaitGroup
	defer announced.Wait()
	actx, stopAnnouncing := context.WithCancel(ctx)
	defer stopAnnouncing()
	announced.Go(func() { announceReady(actx, o.Stderr, o.Dir, o.Exe, env) })
	return wait(ctx, running, exits, o.Log)
}

type spec struct {
	name string
	env  []string
}

// processTypes gives web, worker and clock a METRICS_PORT each: all three
// default to 9090 and would clash on one machine. This overrides a
// METRICS_PORT the user set, which could not serve them all either.
func processTypes() ([]spec, error) {
	specs := []spec{{name: "web"}, {name: "worker"}, {name: "clock"}}
	for i := range specs {
		port, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		specs[i].env = []string{"METRICS_PORT=" + strconv.Itoa(port)}
	}
	return specs, nil
}

func startChild(exe, name string, env []string, out *prefixer, exits chan<- exit) (*child, error) {
	cmd := exec.Command(exe, name)
	cmd.Env = env
	stdout, stderr := out.pipe(name), out.pipe(name)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = devstack.ChildAttr(syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		err := cmd.Wait()
		stdout.flush()
		stderr.flush()
		exits <- exit{name, err}
	}()
	return &child{name: name, cmd: cmd}, nil
}

// wait blocks until shutdown is asked for or a child exits, then drains.
func wait(ctx context.Context, running map[string]*child, exits chan exit, log *slog.Logger) error {
	var failed error
	select {
	case <-ctx.Done():
		log.Info("stopping: draining web, worker and clock")
	case e := <-exits:
		delete(running, e.name)
		failed = fmt.Errorf("%s exited unexpectedly (%s); stopped the others", e.name, status(e.err))
		log.Error("a process exited; stopping the others", "child", e.name, "status", status(e.err))
	}
	if err := drain(running, exits, log); failed == nil {
		failed = err
	}
	return failed
}

// drainLimit is past any SHUTDOWN_TIMEOUT a developer would set locally.
const drainLimit = 40 * time.Second

// drain sends SIGTERM to every running child and waits for each; one
// still running at the limit is killed with its process group. It names
// the first child that did not exit cleanly.
func drain(running map[string]*child, exits chan exit, log *slog.Logger) error {
	for _, c := range running {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	var failed error
	limit := time.NewTimer(drainLimit)
	defer limit.Stop()
	for len(running) > 0 {
		select {
		case e := <-exits:
			delete(running, e.name)
			log.Info("stopped", "child", e.name, "status", status(e.err))
			if !stoppedAsAsked(e.err) && failed == nil {
				failed = fmt.Errorf("%s did not stop cleanly (%s)", e.name, status(e.err))
			}
		case <-limit.C:
			for name, c := range running {
				log.Warn("killing a process that did not drain in time", "child", name, "limit", drainLimit.String())
				_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			}
		}
	}
	return failed
}

// stoppedAsAsked reports a clean end to a drain: exit 0, or death by the
// SIGTERM we sent, which is what a child still starting up (its handler
// not yet installed) does.
func stoppedAsAsked(err error) bool {
	var exitErr *exec.ExitError
	if err == nil {
		return true
	}
	if !errors.As(err, &exitErr) {
		return false
	}
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

// status describes how a child ended.
func status(err error) string {
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return "exit 0"
	case errors.As(err, &exitErr):
		return exitErr.ProcessState.String()
	default:
		return err.Error()
	}
}
