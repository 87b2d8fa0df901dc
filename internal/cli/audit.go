package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/ferryhq/ferry/internal/audit"
)

// runAudit scans a source tree for twelve-factor violations. It exits 1
// when a finding is at or above --fail-on, and 2 on a bad command line or
// a folder that cannot be read.
func runAudit(_ context.Context, e Env, args []string) error {
	flags := flag.NewFlagSet("audit", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	format := flags.String("format", "table", "table, json or sarif")
	failOn := flags.String("fail-on", "error", "lowest severity that fails the run: note, warning or error")
	folders, err := parseInterleaved(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return &usageError{err.Error()}
	}
	dir := "."
	switch len(folders) {
	case 0:
	case 1:
		dir = folders[0]
	default:
		return &usageError{"audit takes one folder"}
	}
	min, ok := audit.ParseSeverity(*failOn)
	if !ok {
		return &usageError{fmt.Sprintf("--fail-on must be note, warning or error, got %q", *failOn)}
	}
	write, ok := map[string]func(*audit.Report, io.Writer) error{
		"table": (*audit.Report).WriteTable, "json": (*audit.Report).WriteJSON, "sarif": (*audit.Report).WriteSARIF,
	}[*format]
	if !ok {
		return &usageError{fmt.Sprintf("--format must be table, json or sarif, got %q", *format)}
	}
	rep, err := audit.Run(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, audit.ErrNotFolder) {
		return &usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	if err := write(rep, e.Stdout); err != nil {
		return err
	}
	if n := rep.Failing(min); n > 0 {
		return fmt.Errorf("%d findings at or above %s", n, min)
	}
	return nil
}

// parseInterleaved parses flags given before or after the positional
// arguments (ferry audit . --format json), which the flag package alone
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
