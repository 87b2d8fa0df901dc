package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

// options are the command's flags and the one variable it reads.
type options struct {
	size        units.Bytes   // the big object, uploaded and downloaded once each way
	duration    time.Duration // how long small downloads are hammered
	concurrency int           // clients hammering small downloads
	roundTrips  int           // sequential small downloads counted for round trips
	databaseURL string        // $TEST_DATABASE_URL: the Postgres server to make a database on
	only        string        // onlyBig: the big transfers alone; "": every measurement
}

// onlyBig is -only's one value: the big transfers (direct, PUT, GET, tus).
const onlyBig = "big"

// defaultDatabaseURL is the server used when TEST_DATABASE_URL is unset.
const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// smallSize is the file the small-download figures fetch.
const smallSize = 1 << 10

// parseFlags reads the flags, and the database server from getenv. A
// mistake comes back as one line; only -h prints the usage.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{size: 1 << 30, databaseURL: getenv("TEST_DATABASE_URL")}
	if o.databaseURL == "" {
		o.databaseURL = defaultDatabaseURL
	}
	fs := flag.NewFlagSet("ferry-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(bytesFlag{&o.size}, "size", "`size` of the big object, such as 256MiB or 1GiB")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to hammer small downloads")
	fs.IntVar(&o.concurrency, "concurrency", 32, "keep-alive clients hammering small downloads")
	fs.IntVar(&o.roundTrips, "roundtrips", 2000, "sequential small downloads over which round trips are counted")
	fs.StringVar(&o.only, "only", "", "`big`: only the big transfers (direct S3, Ferry PUT and GET, tus), no small downloads or round trips")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stderr)
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.validate()
}

// usage prints what the command does and its flags.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, "Usage: ferry-bench [flags]\n\nStarts the real stack, measures Ferry's sharing core and prints a Markdown table.\nTEST_DATABASE_URL names the Postgres server to use (default "+defaultDatabaseURL+").\n\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func (o options) validate() error {
	if u, err := url.Parse(o.databaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("TEST_DATABASE_URL: must be a postgres:// URL")
	}
	switch {
	case o.size < 1<<20:
		return errors.New("-size: must be at least 1MiB")
	case o.duration <= 0:
		return errors.New("-duration: must be more than 0")
	case o.concurrency < 1:
		return errors.New("-concurrency: must be at least 1")
	case o.roundTrips < 1:
		return errors.New("-roundtrips: must be at least 1")
	case o.only != "" && o.only != onlyBig:
		return errors.New("-only: must be big, or not given")
	}
	return nil
}

// bytesFlag reads a size with units, such as 1GiB.
type bytesFlag struct{ b *units.Bytes }

func (f bytesFlag) String() string {
	if f.b == nil {
		return ""
	}
	return f.b.String()
}

func (f bytesFlag) Set(s string) error {
	v, err := units.ParseBytes(s)
	if err != nil {
		return err
	}
	*f.b = v
	return nil
}
