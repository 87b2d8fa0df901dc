package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	short bool     // the CI form: one rolling restart and one storage outage
	only  []string // scenario names to run; empty runs the form's list
	keep  bool     // keep the temp folder (process logs, nginx config) for a look afterwards
	// timeout bounds the whole run, the build and the set-up included;
	// 0 takes the form's default (defaultTimeout).
	timeout time.Duration
}

// defaultTimeout is the bound on a run when -timeout is not given: about
// three times what the form takes on a busy 2-core machine with a cold
// build, so that only a hang reaches it.
func (o options) defaultTimeout() time.Duration {
	if o.short {
		return 6 * time.Minute
	}
	return 15 * time.Minute
}

// parseFlags reads the flags. A mistake comes back as one line; only -h
// prints the usage.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var only string
	fs := flag.NewFlagSet("ferry-chaos", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.short, "short", false, "the CI form: one rolling restart and one storage outage, about 2 minutes")
	fs.StringVar(&only, "run", "", "comma-separated `names` of the scenarios to run ("+strings.Join(scenarioNames(), ", ")+")")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp folder with every process's log")
	fs.DurationVar(&o.timeout, "timeout", 0, "stop the run, with exit 1, after this long (default 6m with -short, 15m without)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, stderr)
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if only != "" {
		o.only = strings.Split(only, ",")
	}
	if o.timeout < 0 {
		return o, fmt.Errorf("-timeout: %v is negative", o.timeout)
	}
	if o.timeout == 0 {
		o.timeout = o.defaultTimeout()
	}
	return o, o.validate()
}

// usage prints what the command does and its flags.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, "Usage: ferry-chaos [flags]\n\nStarts the real stack behind nginx, breaks it scenario by scenario under load,\nverifies the data after each and prints a table. Exit 1 when a scenario fails.\n\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func (o options) validate() error {
	known := scenarioNames()
	for _, name := range o.only {
		if !slices.Contains(known, name) {
			return fmt.Errorf("-run: no scenario %q (have %s)", name, strings.Join(known, ", "))
		}
	}
	return nil
}
