// Package admin is `ferry admin`: one-off operator tasks run against the
// database, such as creating the first user or a token for a CI job.
package admin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// IO is where a command reads its input and writes its output.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// UsageError is a mistake in how a command was called (an unknown command,
// a missing flag): the caller should exit with status 2 rather than 1.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// command is one subcommand: its name, a one-line synopsis and its work.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, args []string, s IO, b Backends) error
}

// commands lists the subcommands (a function, not a variable: their code
// reads the list back for its usage line).
func commands() []command {
	return []command{
		{"create-user", "--email E (--password-stdin | --password-file F) [--admin]", createUser},
		{"set-role", "--email E --role admin|user", setRole},
		{"audit", "[--since D] [--type T]", auditCmd},
		{"create-token", "--email E --name N [--scopes S,S] [--expires D]", createToken},
		{"reset-password", "--email E (--password-stdin | --password-file F)", resetPassword},
		{"stats", "", stats},
		{"jobs", "[--retry ID]", jobsCmd},
	}
}

// Usage lists every subcommand with its synopsis, for the caller's help
// text.
func Usage() string {
	var b strings.Builder
	b.WriteString("Commands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.synopsis)
	}
	return b.String()
}

// Connect opens the database. Subcommands call it only once their flags
// are right, so a usage mistake is reported as one even when the database
// is down.
type Connect func(context.Context) (*pgxpool.Pool, error)

// Backends are what the subcommands reach, opened only when one needs it.
type Backends struct {
	DB Connect
	// EndSessions ends every browser session of userID; nil when no
	// session store is configured (REDIS_URL unset).
	EndSessions func(ctx context.Context, userID string) error
}

// Run runs the subcommand args[0] with the flags that follow it.
func Run(ctx context.Context, args []string, io IO, connect Connect) error {
	return RunWith(ctx, args, io, Backends{DB: connect})
}

// Names lists the subcommands, for the caller's summary line.
func Names() string { return names() }

// RunWith is Run with every backend a subcommand may use.
func RunWith(ctx context.Context, args []string, io IO, b Backends) error {
	if len(args) == 0 {
		return usagef("missing command; commands: %s", names())
	}
	cmds := commands()
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		return usagef("unknown command %q; commands: %s", args[0], names())
	}
	err := cmds[i].run(ctx, args[1:], io, b)
	if errors.Is(err, flag.ErrHelp) {
		return nil // usage was printed on request
	}
	return err
}

func names() string {
	var n []string
	for _, c := range commands() {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

// newFlags returns an empty flag set for the subcommand name.
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// parse parses args into fs, printing the subcommand's usage on s.Stderr
// when they are wrong. The flag package's own error line is muted: the
// returned error says it once, through the caller.
func parse(fs *flag.FlagSet, args []string, s IO) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(s.Stderr)
	if err != nil {
		fmt.Fprintf(s.Stderr, "usage: ferry admin %s %s\n", fs.Name(), synopsis(fs.Name()))
		fs.PrintDefaults()
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return usagef("%s: %v", fs.Name(), err)
	case fs.NArg() > 0:
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func synopsis(name string) string {
	for _, c := range commands() {
		if c.name == name {
			return c.synopsis
		}
	}
	return ""
}
