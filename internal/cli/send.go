package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/ferryhq/ferry/internal/send"
)

// runSend is `ferry send FILE...`, the client: it reads no server
// configuration, only FERRY_URL and FERRY_TOKEN or their flags.
func runSend(ctx context.Context, e Env, args []string) error {
	o := send.Options{URL: lookup(e.Environ, "FERRY_URL"), Token: lookup(e.Environ, "FERRY_TOKEN"), Stderr: e.Stderr, Terminal: isTerminal(e.Stderr)}
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as usage errors, help by printCommandHelp
	fs.StringVar(&o.URL, "url", o.URL, "")
	fs.StringVar(&o.Token, "token", o.Token, "")
	fs.StringVar(&o.ExpiresIn, "expires", "", "")
	fs.IntVar(&o.MaxDownloads, "max-downloads", 0, "")
	fs.BoolVar(&o.QR, "qr", false, "")
	passwordStdin := fs.Bool("password-stdin", false, "")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if o.MaxDownloads < 0 {
		return &usageError{"--max-downloads must be a whole number from 1"}
	}
	if *passwordStdin {
		if o.Password, err = passwordFrom(e.Stdin); err != nil {
			return err
		}
	}
	err = send.Files(ctx, o, paths, e.Stdout)
	if errors.Is(err, send.ErrUsage) {
		return &usageError{strings.TrimPrefix(err.Error(), send.ErrUsage.Error()+": ")}
	}
	return err
}

// passwordFrom reads a share password from the first line of stdin.
func passwordFrom(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return "", &usageError{"--password-stdin: no password on stdin"}
	}
	return line, nil
}

// lookup reads one variable of environ.
func lookup(environ []string, name string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// isTerminal is whether w is a terminal, where progress may redraw a line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
