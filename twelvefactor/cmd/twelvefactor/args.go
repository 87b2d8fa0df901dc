package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ferryhq/ferry/twelvefactor"
)

// options is what the command line asks for.
type options struct {
	dir     string
	failOn  twelvefactor.Severity
	write   func(*twelvefactor.Report, io.Writer) error
	version bool
	// explain is a rule id whose explanation is printed instead of a run.
	explain string
	// baseline is a baseline file whose findings do not fail the run;
	// writeBaseline is where to write one of this run's findings.
	baseline, writeBaseline string
}

var writers = map[string]func(*twelvefactor.Report, io.Writer) error{
	"table": (*twelvefactor.Report).WriteTable,
	"json":  (*twelvefactor.Report).WriteJSON,
	"sarif": (*twelvefactor.Report).WriteSARIF,
}

// parseArgs reads the flags and the one optional folder. Its errors are
// usageErrors, or flag.ErrHelp for --help.
func parseArgs(args []string) (options, error) {
	flags := flag.NewFlagSet("twelvefactor", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // run prints the usage and the error itself
	format := flags.String("format", "table", "table, json or sarif")
	failOn := flags.String("fail-on", "error", "lowest severity that fails the run: note, warning or error")
	version := flags.Bool("version", false, "print the version and exit")
	explain := flags.String("explain", "", "print the explanation of a rule, such as TF6-LOCAL-STATE, and exit")
	baseline := flags.String("baseline", "", "a baseline file: its findings are reported but fail nothing")
	writeBaseline := flags.String("write-baseline", "", "write this run's findings to a baseline file and exit 0")
	folders, err := parseInterleaved(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return options{}, err
	}
	if err != nil {
		return options{}, usageError{err.Error()}
	}
	o := options{dir: ".", version: *version, explain: *explain, baseline: *baseline, writeBaseline: *writeBaseline}
	switch len(folders) {
	case 0:
	case 1:
		o.dir = folders[0]
	default:
		return options{}, usageError{fmt.Sprintf("one folder at a time, got %d", len(folders))}
	}
	var ok bool
	if o.failOn, ok = twelvefactor.ParseSeverity(*failOn); !ok {
		return options{}, usageError{fmt.Sprintf("--fail-on must be note, warning or error, got %q", *failOn)}
	}
	if o.write, ok = writers[*format]; !ok {
		return options{}, usageError{fmt.Sprintf("--format must be table, json or sarif, got %q", *format)}
	}
	return o, nil
}

// parseInterleaved parses flags given before or after the positional
// arguments (twelvefactor . --format json), which the flag package alone
// stops reading at the first positional one.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		if flags.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}
}
