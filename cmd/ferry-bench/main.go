// Command ferry-bench measures Ferry's sharing core on a real stack: it
// builds the ferry binary, starts Postgres (or uses the one at
// $TEST_DATABASE_URL), a dedicated Redis and a real S3-compatible server
// (versitygw), runs `ferry web` against them and prints, as a Markdown
// table, the throughput of big uploads and downloads next to direct S3,
// the web process's memory growth, small-download rate and latency, and
// the Postgres and Redis round trips per download.
//
// It asserts nothing about speed. Progress goes to stderr, the table to
// stdout. Everything it starts is stopped, and its temp folder removed,
// also on Ctrl-C.
//
//	go run ./cmd/ferry-bench -size 256MiB -duration 5s
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
	case err != nil:
		fmt.Fprintln(os.Stderr, "ferry-bench:", err)
		os.Exit(1)
	}
}

// run parses flags, sets up the stack, measures and prints the report.
// Whatever it started is stopped before it returns.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	b, err := newBench(opts, stderr)
	if err != nil {
		return err
	}
	res, err := b.run(ctx)
	b.close()
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if err != nil {
		return err
	}
	return writeReport(stdout, res)
}
