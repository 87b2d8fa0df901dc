package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// bench is one run: its temp folder, what it started, and what the
// measurements need to reach the stack.
type bench struct {
	opts  options
	out   io.Writer // progress, on stderr
	dir   string    // the temp folder, removed at the end
	undo  []step    // what to stop, in the order it started
	stack stack     // filled in by setup
}

// step is one thing to undo at the end.
type step struct {
	name string
	fn   func(context.Context) error
}

// newBench makes the temp folder. It is world-enterable (0755) so an
// unprivileged Postgres started by devstack can keep its data inside.
func newBench(opts options, out io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "ferry-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("temp folder: %w", err), os.RemoveAll(dir))
	}
	b := &bench{opts: opts, out: out, dir: dir}
	b.onClose("remove "+dir, func(context.Context) error { return os.RemoveAll(dir) })
	return b, nil
}

// logf reports progress on stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "ferry-bench: "+format+"\n", args...)
}

// onClose registers fn to run at the end, before everything registered earlier.
func (b *bench) onClose(name string, fn func(context.Context) error) {
	b.undo = append(b.undo, step{name, fn})
}

// close undoes every step, newest first, with a fresh deadline so that it
// also runs after Ctrl-C. A failed step is reported and the rest still run.
func (b *bench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := len(b.undo) - 1; i >= 0; i-- {
		if err := b.undo[i].fn(ctx); err != nil {
			b.logf("warning: %s: %v", b.undo[i].name, err)
		}
	}
	b.undo = nil
}

// run sets the stack up and takes every measurement.
func (b *bench) run(ctx context.Context) (*results, error) {
	if err := b.setup(ctx); err != nil {
		return nil, err
	}
	return b.measure(ctx)
}
