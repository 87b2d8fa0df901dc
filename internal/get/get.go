// Package get is `ferry get`: it downloads a share's file, or its zip,
// from a share link, and resumes a download cut short (within a run, and
// across runs from the .part file it left) with Range and If-Range, so
// a resumed download costs no second one of a share's max_downloads.
package get

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Help is what `ferry get --help` prints after the usage line.
const Help = `Flags:
  -o, --output PATH    where to save: a file, or a folder to save into under the
                       name the server gives (default: that name, in the current folder)
  --force              overwrite a file that exists (default: refuse)
  --password-stdin     read the share's password from the first line of stdin

A link to one file (.../s/TOKEN/files/ID) saves that file; a share link
(.../s/TOKEN) saves its file when it has one, and its zip when it has
several. A file is written to NAME.part and renamed once whole; a run cut
short leaves the .part, and the same command resumes it, without costing
another download of a limited share. A zip cannot resume. Progress goes to
stderr; the saved file's path is printed on stdout.
`

// Options are what Link fetches with.
type Options struct {
	Output   string // a file, or a folder; "": the served name in the current folder
	Force    bool   // overwrite an existing file
	Password string // the share's password; "": none

	HTTP     *http.Client  // nil: a client with connect and header timeouts
	Retries  int           // failed requests in a row before giving up; 0: 5
	Backoff  time.Duration // the first wait after a failure, doubled up to 30s; 0: 1s
	StateDir string        // where a .part's version is remembered; "": os.UserCacheDir()/ferry/downloads
	Stderr   io.Writer     // progress and warnings; nil: none
	Terminal bool          // Stderr is a terminal: draw one live progress line
}

// ErrUsage marks a problem with how get was called: exit code 2.
var ErrUsage = errors.New("usage")

// Link downloads what the share link raw names and prints the saved
// file's path on stdout.
func Link(ctx context.Context, o Options, raw string, stdout io.Writer) error {
	l, err := parseLink(raw)
	if err != nil {
		return err
	}
	c, err := newClient(o)
	if err != nil {
		return err
	}
	if l.fileID == "" && !l.zip {
		if l, err = c.resolve(ctx, l); err != nil {
			return err
		}
	}
	var path string
	if l.zip {
		path, err = c.zip(ctx, l)
	} else {
		path, err = c.file(ctx, l)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, path)
	return err
}

// target is where a download named name is saved, refused if a file is
// there already and Force is off: before any byte is fetched.
func (c *client) target(name string) (string, error) {
	out := c.o.Output
	switch fi, err := os.Stat(out); {
	case out == "":
		out = name
	case err == nil && fi.IsDir(), os.IsPathSeparator(out[len(out)-1]):
		out = filepath.Join(out, name)
	}
	if _, err := os.Lstat(out); err == nil && !c.o.Force {
		return "", fmt.Errorf("%s exists; pass --force to overwrite it", out)
	}
	return out, nil
}

// place moves the whole .part to the target: a rename with Force, else a
// hard link, which fails rather than replace a file that appeared
// meanwhile. A filesystem without hard links falls back to a rename after
// one more look.
func (c *client) place(part, target string) error {
	if c.o.Force {
		return os.Rename(part, target)
	}
	err := os.Link(part, target)
	switch {
	case err == nil:
		return os.Remove(part)
	case errors.Is(err, os.ErrExist):
		return fmt.Errorf("%s appeared while downloading; it is kept, the download is in %s", target, part)
	}
	if _, serr := os.Lstat(target); serr == nil {
		return fmt.Errorf("%s appeared while downloading; it is kept, the download is in %s", target, part)
	}
	return os.Rename(part, target)
}
