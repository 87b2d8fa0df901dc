package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ferryhq/ferry/internal/get"
)

// runGet is `ferry get [-o PATH] [--force] [--password-stdin] URL`: it
// needs no token, a share link is public.
func runGet(ctx context.Context, e Env, args []string) error {
	o := get.Options{Stderr: e.Stderr, Terminal: isTerminal(e.Stderr)}
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Output, "o", "", "")
	fs.StringVar(&o.Output, "output", "", "")
	fs.BoolVar(&o.Force, "force", false, "")
	passwordStdin := fs.Bool("password-stdin", false, "")
	links, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(links) != 1 {
		return &usageError{"name one share link"}
	}
	if *passwordStdin {
		if o.Password, err = passwordFrom(e.Stdin); err != nil {
			return err
		}
	}
	err = get.Link(ctx, o, links[0], e.Stdout)
	if errors.Is(err, get.ErrUsage) {
		return &usageError{strings.TrimPrefix(err.Error(), get.ErrUsage.Error()+": ")}
	}
	return err
}

// parseInterleaved parses flags that may come before or after the
// arguments (parse, take an argument, parse the rest) and returns the
// arguments; everything after "--" is an argument.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
				return nil, &usageError{fmt.Sprintf("unknown argument %q", "-"+name)}
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		if isHelp(args[0]) {
			return nil, errHelp
		}
		rest, args = append(rest, args[0]), args[1:]
	}
}
