// Package send is `ferry send`: a tus 1.0.0 client that uploads files to
// a Ferry server's /api/v1/uploads and prints their share link. It resumes
// an upload cut short, within one run (on a network error or a 5xx it asks
// the server how far it got and goes on from there) and across runs (the
// upload's URL is kept in a state file until it finishes).
package send

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Help is what `ferry send --help` prints after the usage line.
const Help = `Flags:
  --url URL            the Ferry server (default $FERRY_URL)
  --token TOKEN        an API token with files:write, and shares:write for several files (default
                       $FERRY_TOKEN, better: other users may see a command line)
  --expires D          how long the share lasts: 90m, 24h, 7d (default: the server's)
  --max-downloads N    downloads each file allows (default: no limit)
  --password-stdin     read the share's password from the first line of stdin
  --qr                 also draw the link as a QR code on stderr, to open it on a phone

Environment:
  FERRY_URL            the Ferry server, e.g. https://ferry.example.com
  FERRY_TOKEN          an API token (ferry admin create-token, or the web UI's Tokens page)

An interrupted upload resumes when the same file is sent again (its upload URL
is kept under the user cache folder, ferry/uploads). Progress goes to stderr;
the share link is the last line of stdout.
`

// Options are what Files sends with.
type Options struct {
	URL          string // the server's base URL
	Token        string // an API token
	ExpiresIn    string // the share's lifetime as the server parses it; "": the server's default
	MaxDownloads int    // 0: no limit
	Password     string // the share's password; "": none
	QR           bool   // draw each printed link as a QR code on Stderr

	HTTP      *http.Client  // nil: a client with connect and header timeouts
	ChunkSize int64         // bytes per PATCH; 0: 8 MiB
	Retries   int           // failed requests in a row before giving up; 0: 8
	Backoff   time.Duration // the first wait after a failure, doubled each time up to 30s; 0: 1s
	StateDir  string        // where unfinished uploads are remembered; "": os.UserCacheDir()/ferry/uploads
	Stderr    io.Writer     // progress and warnings; nil: none
	Terminal  bool          // Stderr is a terminal: draw one live progress line
}

// ErrUsage marks a problem with how send was called (no URL, no token, no
// file): the caller's to fix, exit code 2.
var ErrUsage = errors.New("usage")

// usage is an ErrUsage with its message.
func usage(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// Files uploads each path and writes the share link to stdout as its
// last line: one link for one file; for several, one share of them all
// (POST /api/v1/shares), or, if the token may not make shares, each
// file's own link, a line each. A folder sends every regular file under
// it, named by its path from the folder's parent ("photos/2024/a.jpg"),
// so the share keeps the structure; symbolic links and other special
// files in it are skipped with a warning. Every file is checked before
// any byte is sent, and each is open only while it is sent.
func Files(ctx context.Context, o Options, paths []string, stdout io.Writer) error {
	c, err := newClient(o)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usage("name at least one file to send")
	}
	var todo []entry
	for _, p := range paths {
		more, err := expand(p, c.warn)
		if err != nil {
			return err
		}
		todo = append(todo, more...)
	}
	if len(todo) == 0 {
		return usage("no files to send in %s", strings.Join(paths, ", "))
	}
	var sent []sentFile
	for _, e := range todo {
		f, err := openLocal(e.path)
		if err != nil {
			return err
		}
		f.upload = e.upload
		s, err := c.send(ctx, f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		sent = append(sent, s)
	}
	if len(sent) == 1 {
		return c.print(stdout, "", sent[0].link)
	}
	link, err := c.shareAll(ctx, sent)
	if err == nil {
		return c.print(stdout, "", link)
	}
	c.warn("one link for all files failed (%v); each file's own link follows", err)
	for _, s := range sent {
		if err := c.print(stdout, s.name+"\t", s.link); err != nil {
			return err
		}
	}
	return nil
}

// entry is a file to send: where it is, and the name to send it as ("":
// its base name).
type entry struct {
	path, upload string
}

// expand checks p and returns what sending it means: p itself, or for a
// folder every regular file under it, in lexical order, each named by
// its path from the folder's parent, with "/" between folders.
func expand(p string, warn func(string, ...any)) ([]entry, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		f, err := openLocal(p)
		if err != nil {
			return nil, err
		}
		_ = f.Close()
		return []entry{{path: p}}, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(abs)
	var out []entry
	err = filepath.WalkDir(abs, func(at string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", at, err)
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			warn("%s: not a regular file; skipped", at)
			return nil
		}
		f, err := openLocal(at)
		if err != nil {
			return err
		}
		_ = f.Close()
		rel, err := filepath.Rel(parent, at)
		if err != nil {
			return err
		}
		out = append(out, entry{path: at, upload: filepath.ToSlash(rel)})
		return nil
	})
	return out, err
}

// print writes a link on stdout, after its QR code on stderr if asked:
// stderr, so that stdout stays the link alone for scripts.
func (c *client) print(stdout io.Writer, prefix, link string) error {
	if c.o.QR {
		if err := writeQR(c.o.Stderr, link, c.o.Terminal); err != nil {
			return fmt.Errorf("draw the QR code: %w", err)
		}
	}
	_, err := fmt.Fprintln(stdout, prefix+link)
	return err
}

// local is a file to send, open, with what identifies this version of it.
type local struct {
	*os.File
	path string // absolute
	name string // as the user named it, for messages
	// upload is the name the server is sent, a relative path for a file
	// of a folder; "": the base name.
	upload string
	size   int64
	mtime  time.Time
}

func openLocal(p string) (local, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return local{}, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return local{}, fmt.Errorf("cannot read %s: %w", p, errors.Unwrap(err))
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		_ = f.Close()
		return local{}, fmt.Errorf("cannot send %s: %w", p, err)
	}
	return local{File: f, path: abs, name: p, size: fi.Size(), mtime: fi.ModTime()}, nil
}

// baseURL checks the server URL and returns it without a trailing slash.
func baseURL(raw string) (string, error) {
	if raw == "" {
		return "", usage("no server: set FERRY_URL or pass --url")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usage("the server URL must be http:// or https://, got %q", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
