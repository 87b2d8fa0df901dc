// Package cli is the ferry command: it parses the command line, loads the
// configuration and runs one process type.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/ferryhq/ferry/internal/admin"
	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/get"
	"github.com/ferryhq/ferry/internal/send"
)

// Exit codes: 2 means the command line or configuration is wrong and a
// restart will not help; 1 means the run failed.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// Env is what a command gets from the outside world; tests pass their own.
type Env struct {
	Args    []string
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e Env, args []string) error
}

func commands() []command {
	return []command{
		{"web", "serve the web UI and the API on $PORT", runWeb},
		{"worker", "run background jobs from the queue", runWorker},
		{"clock", "schedule periodic jobs (safe to run more than one)", runClock},
		{"migrate", "apply database migrations once (--status shows where the schema stands)", runMigrate},
		{"admin", "one-off tasks: " + admin.Names(), runAdmin},
		{"dev", "run everything locally with embedded Postgres, Redis and storage", runDev},
		{"config", "print the effective configuration, secrets masked", runConfig},
		{"version", "print the version, commit and build date", runVersion},
	}
}

// clientCommands talk to a running Ferry server, as a user does.
func clientCommands() []command {
	return []command{
		{"send", "upload files (resumable) and print their share link", runSend},
		{"get", "download a share link's file, or its zip (resumable)", runGet},
	}
}

// usageError means the command line was wrong: usage is printed, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Main runs the command named in e.Args and returns the process exit code.
func Main(ctx context.Context, e Env) int {
	if len(e.Args) < 2 || isHelp(e.Args[1]) {
		printUsage(e.Stdout)
		if len(e.Args) < 2 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range append(commands(), clientCommands()...) {
		if c.name == e.Args[1] {
			return report(e, c, c.run(ctx, e, e.Args[2:]))
		}
	}
	fmt.Fprintf(e.Stderr, "ferry: unknown command %q\n\n", e.Args[1])
	printUsage(e.Stderr)
	return exitUsage
}

// report turns a command's error into one line on stderr and an exit code.
// Usage and configuration problems are the caller's to fix, so exit 2.
func report(e Env, c command, err error) int {
	var (
		ue *usageError
		ce *config.Error
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		printCommandHelp(e.Stdout, c)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.Stderr, "ferry %s: %s\n", c.name, ue.msg)
		fmt.Fprintf(e.Stderr, "run 'ferry %s --help' for usage\n", c.name)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(e.Stderr, "ferry %s: config: %s\n", c.name, ce)
		return exitUsage
	default:
		fmt.Fprintf(e.Stderr, "ferry %s: %s\n", c.name, err)
		return exitFailed
	}
}

var errHelp = errors.New("help requested")

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Ferry shares files by link. One binary; every process type is a command.")
	fmt.Fprintln(w, "\nUsage: ferry <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nClient commands (FERRY_URL, FERRY_TOKEN):")
	for _, c := range clientCommands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nSettings come only from environment variables; 'ferry <command> --help' lists the ones a command reads.")
}

func printCommandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: ferry %s%s\n\n%s.\n", c.name, flagsFor(c.name), strings.ToUpper(c.summary[:1])+c.summary[1:])
	switch c.name {
	case "send": // a client reads none of the server's settings
		fmt.Fprint(w, "\n"+send.Help)
		return
	case "get":
		fmt.Fprint(w, "\n"+get.Help)
		return
	}
	if c.name == "admin" {
		fmt.Fprint(w, "\n"+admin.Usage()+"'ferry admin <command> --help' shows a command's flags.\n")
	}
	vars := config.VarsFor(c.name)
	if c.name == "dev" || c.name == "config" {
		vars = config.Vars()
	}
	if len(vars) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEnvironment:")
	for _, v := range vars {
		def := v.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(w, "  %-20s %-18s %s\n", v.Name, def, v.Help)
		if v.Secret {
			fmt.Fprintf(w, "  %-20s %-18s or read it from this file\n", v.Name+"_FILE", "")
		}
	}
}

func flagsFor(name string) string {
	switch name {
	case "migrate":
		return " [--status]"
	case "admin":
		return " <command> [flags]"
	case "version":
		return " [--config]"
	case "send":
		return " [--url URL] [--token TOKEN] [--expires D] [--max-downloads N] [--password-stdin] [--qr] FILE|DIR..."
	case "get":
		return " [-o PATH] [--force] [--password-stdin] URL"
	}
	return ""
}

// noArgs checks a command that takes no arguments beyond --help.
func noArgs(args []string, allowed ...string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, a := range args {
		switch {
		case isHelp(a):
			return nil, errHelp
		case slices.Contains(allowed, a):
			set[a] = true
		default:
			return nil, &usageError{fmt.Sprintf("unknown argument %q", a)}
		}
	}
	return set, nil
}

// OSEnv is the real process's Env.
func OSEnv() Env {
	return Env{Args: os.Args, Environ: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}
