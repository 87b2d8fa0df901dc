package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// suite is one run: its temp folder, what it started, and the stack the
// scenarios break.
type suite struct {
	opts    options
	out     io.Writer // progress, on stderr
	dir     string    // the temp folder, removed at the end unless -keep
	mu      sync.Mutex
	undo    []step // what to stop, in the order it started
	stack   *stack
	uploads *registry       // every upload that answered 201, across scenarios
	broken  map[string]bool // ids of uploads found broken, reported once
	last    verification    // the previous scenario's, to tell what is new
}

// step is one thing to undo at the end.
type step struct {
	name string
	fn   func(context.Context) error
}

// newSuite makes the temp folder. It is world-enterable (0755) so the
// unprivileged Postgres and nginx workers can reach their folders inside.
func newSuite(opts options, out io.Writer) (*suite, error) {
	dir, err := os.MkdirTemp("", "ferry-chaos-")
	if err != nil {
		return nil, fmt.Errorf("temp folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("temp folder: %w", err), os.RemoveAll(dir))
	}
	s := &suite{opts: opts, out: out, dir: dir, uploads: &registry{}, broken: map[string]bool{}}
	s.onClose("remove "+dir, func(context.Context) error {
		if opts.keep {
			s.logf("kept %s", dir)
			return nil
		}
		return os.RemoveAll(dir)
	})
	return s, nil
}

// logf reports progress on stderr, stamped with the time.
func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.out, "ferry-chaos %s: "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

// onClose registers fn to run at the end, before everything registered
// earlier.
func (s *suite) onClose(name string, fn func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.undo = append(s.undo, step{name, fn})
}

// close undoes every step, newest first, with a fresh deadline so that it
// also runs after Ctrl-C. A failed step is reported and the rest still run.
func (s *suite) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.mu.Lock()
	undo := s.undo
	s.undo = nil
	s.mu.Unlock()
	for i := len(undo) - 1; i >= 0; i-- {
		if err := undo[i].fn(ctx); err != nil {
			s.logf("warning: %s: %v", undo[i].name, err)
		}
	}
}

// run sets the stack up and runs the chosen scenarios one after another.
// A scenario that cannot even run (the stack broke beyond repair) ends the
// run with an error; one that fails its checks is reported and the next
// one runs.
func (s *suite) run(ctx context.Context) ([]result, error) {
	if err := s.setup(ctx); err != nil {
		return nil, err
	}
	var results []result
	for _, sc := range s.scenarios() {
		s.logf("scenario %s: %s", sc.name, sc.about)
		res, err := s.runScenario(ctx, sc)
		if err != nil {
			return results, fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		s.logf("scenario %s: %s", sc.name, res.verdict())
		results = append(results, res)
	}
	return results, nil
}
