// Command ferry-chaos breaks Ferry's real stack on purpose and checks that
// it holds: it builds the ferry binary, starts private Postgres, Redis and
// an S3 server (versitygw), two `ferry web` behind nginx, a worker and a
// clock, then runs scenarios (rolling restarts, backing-service outages,
// kill -9 of a web and of the worker, two clocks, pools over Postgres's
// max_connections) under a load of its own, and verifies the data after
// each one.
//
// It prints a table per scenario on stdout and exits 1 when a scenario
// fails requests it should not, or loses data. Progress goes to stderr.
// Everything it starts is stopped, and its temp folder removed, also on
// Ctrl-C.
//
//	go run ./cmd/ferry-chaos          # every scenario, about 4 minutes
//	go run ./cmd/ferry-chaos -short   # one rolling restart and one storage outage, for CI
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errScenariosFailed):
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "ferry-chaos:", err)
		os.Exit(1)
	}
}

// errTimedOut stops a run that outlasts -timeout, so that a hang cannot
// hold CI; what ran by then is still reported.
var errTimedOut = errors.New("the run timed out")

// errScenariosFailed says the suite ran and at least one scenario failed;
// the report has already said which and why.
var errScenariosFailed = errors.New("scenarios failed")

// run parses the flags, sets the stack up, runs the scenarios and prints
// the report. Whatever it started is stopped before it returns.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, opts.timeout, errTimedOut)
	defer cancel()
	s, err := newSuite(opts, stderr)
	if err != nil {
		return err
	}
	about := describe() // before the run, which the checkout may outlast
	results, err := s.run(ctx)
	s.close()
	if len(results) > 0 {
		// Print what was measured, even when a later scenario could not run.
		if werr := writeReport(stdout, about, results); werr != nil && err == nil {
			err = werr
		}
	}
	switch {
	case errors.Is(context.Cause(ctx), errTimedOut):
		return fmt.Errorf("%w after %v (-timeout)", errTimedOut, opts.timeout)
	case ctx.Err() != nil:
		return errors.New("interrupted")
	case err != nil:
		return err
	case !allPassed(results):
		return errScenariosFailed
	}
	return nil
}
