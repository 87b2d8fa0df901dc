// Command twelvefactor reports twelve-factor violations in a source tree,
// in any language. It exits 0 when nothing at or above --fail-on is found,
// 1 when something is, and 2 on a bad command line or a folder that
// cannot be read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/ferryhq/ferry/twelvefactor"
)

// Exit codes: 2 means the command line is wrong and running it again will
// not help; 1 means findings, or a failure while writing the report.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

const usage = `Usage: twelvefactor [--format table|json|sarif] [--fail-on note|warning|error]
                    [--baseline FILE] [--write-baseline FILE] [DIR]
       twelvefactor --explain RULE

Report twelve-factor violations in a source tree (any language). DIR
defaults to the current folder; flags may also follow it.

Exits 1 when a finding is at or above --fail-on (default error), 2 on a
usage error. --baseline FILE reports the findings FILE holds but fails
on new ones only; --write-baseline FILE writes this run's findings there
and exits 0. --explain RULE prints what a rule finds, why, the fix and
the libraries it knows. Every rule, with examples:
https://github.com/ferryhq/ferry/blob/main/twelvefactor/README.md
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, apart from the process, so tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	code, err := audit(args, stdout)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "twelvefactor: %s\nrun 'twelvefactor --help' for usage\n", ue.msg)
	case err != nil:
		fmt.Fprintln(stderr, err) // the scanner's errors already begin with "twelvefactor:"
	}
	return code
}

// usageError is a wrong command line or an unreadable folder: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// audit parses the command line, scans the folder and writes the report.
func audit(args []string, stdout io.Writer) (int, error) {
	o, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK, err
	}
	if err != nil {
		return exitUsage, err
	}
	if o.version {
		_, err := fmt.Fprintln(stdout, "twelvefactor", twelvefactor.ToolVersion())
		return exitOK, err
	}
	if o.explain != "" {
		text, ok := twelvefactor.Explain(o.explain)
		if !ok {
			return exitUsage, usageError{fmt.Sprintf("no rule %q (the rules are listed in twelvefactor/README.md)", o.explain)}
		}
		_, err := fmt.Fprint(stdout, text)
		return exitOK, err
	}
	rep, err := twelvefactor.Run(o.dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, twelvefactor.ErrNotFolder) {
		return exitUsage, usageError{strings.TrimPrefix(err.Error(), "twelvefactor: ")}
	}
	if err != nil {
		return exitFindings, err
	}
	if o.writeBaseline != "" {
		return exitOK, writeBaseline(rep, o.writeBaseline, stdout)
	}
	if o.baseline != "" {
		f, err := os.Open(o.baseline)
		if err != nil {
			return exitUsage, usageError{err.Error()}
		}
		b, err := twelvefactor.ReadBaseline(f)
		f.Close()
		if err != nil {
			return exitUsage, usageError{strings.TrimPrefix(err.Error(), "twelvefactor: ")}
		}
		rep.ApplyBaseline(b)
	}
	if err := o.write(rep, stdout); err != nil {
		return exitFindings, fmt.Errorf("twelvefactor: writing the report: %w", err)
	}
	if n := rep.Failing(o.failOn); n > 0 {
		return exitFindings, fmt.Errorf("twelvefactor: %d findings at or above %s", n, o.failOn)
	}
	return exitOK, nil
}

// writeBaseline writes the report's findings to path, through a
// temporary file so a failed write leaves no half a baseline.
func writeBaseline(rep *twelvefactor.Report, path string, stdout io.Writer) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("twelvefactor: writing the baseline: %w", err)
	}
	err = rep.WriteBaseline(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("twelvefactor: writing the baseline: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%d findings written to %s\n", len(rep.Baseline().Findings), path)
	return err
}
