package get

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/ferryhq/ferry/internal/progress"
)

// remote is what a HEAD tells of a file before any byte is fetched.
type remote struct {
	url, etag, name string
	size            int64
}

// file saves one file of a share, resuming its .part when that holds the
// same version (the ETag a past run saved equals the server's now).
func (c *client) file(ctx context.Context, l link) (string, error) {
	r, err := c.head(ctx, l.fileURL())
	if err != nil {
		return "", err
	}
	target, err := c.target(r.name)
	if err != nil {
		return "", err
	}
	part := target + ".part"
	f, from, err := c.openPart(part, r)
	if err != nil {
		return "", err
	}
	defer f.Close()
	bar := progress.New(c.o.Stderr, c.o.Terminal, progress.Fetching, target, r.size, from)
	err = c.fetch(ctx, f, r, from, bar)
	bar.Done(err)
	if err == nil {
		err = finish(f, r)
	}
	if err != nil {
		return "", err
	}
	if err := c.place(part, target); err != nil {
		return "", err
	}
	c.state.drop(part)
	return target, nil
}

// head asks for the file's size, ETag and name without spending anything.
func (c *client) head(ctx context.Context, u string) (remote, error) {
	res, err := c.do(ctx, "look up the file", func() (*http.Request, error) {
		return c.request(ctx, http.MethodHead, u)
	}, http.StatusOK)
	if err != nil {
		return remote{}, err
	}
	drain(res)
	name, err := saveName(res.Header.Get("Content-Disposition"))
	if err != nil {
		return remote{}, err
	}
	if res.ContentLength < 0 {
		return remote{}, errors.New("the server gave no size for the file")
	}
	return remote{url: u, etag: res.Header.Get("ETag"), name: name, size: res.ContentLength}, nil
}

// openPart opens the .part file and says where to go on from: its length
// when a past run saved the same version, else 0, emptied.
func (c *client) openPart(part string, r remote) (*os.File, int64, error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot write %s: %w", part, errors.Unwrap(err))
	}
	var from int64
	if fi, err := f.Stat(); err == nil && r.etag != "" && c.state.load(part) == r.etag && fi.Size() <= r.size {
		from = fi.Size()
	}
	if from > 0 {
		c.warn("resuming %s at %s of %s", part, progress.Bytes(from), progress.Bytes(r.size))
	} else if err := f.Truncate(0); err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	// Saved before any byte is written: a run killed now still resumes.
	if err := c.state.save(part, r.etag); err != nil {
		c.warn("cannot remember the download, so another run cannot resume it: %v", err)
	}
	return f, from, nil
}

// fetch writes the file's bytes from offset from to f. A connection cut
// mid-body goes on where it stopped, with Range and If-Range: a 206 from
// there appends, a 200 (the file changed, or Range was ignored) starts
// again. Retries failures in a row end it; progress resets the count.
func (c *client) fetch(ctx context.Context, f *os.File, r remote, from int64, bar *progress.Bar) error {
	for failures := 0; from < r.size || (from == 0 && r.size == 0); {
		res, err := c.do(ctx, "download", func() (*http.Request, error) { return c.ranged(ctx, r, from) }, http.StatusOK, http.StatusPartialContent)
		if err == nil {
			if from, err = c.writeFrom(f, res, r, from, bar); err == nil {
				return nil
			}
		} else if !refusedResume(err, from) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fatal *fatalError
		if failures++; errors.As(err, &fatal) || failures >= c.o.Retries {
			return err
		}
		c.warn("%v; resuming at %s", err, progress.Bytes(from))
		if !c.wait(ctx, failures, 0) {
			return ctx.Err()
		}
	}
	return nil
}

// refusedResume is a 410 for a range past byte 0 of a limited share: the
// server may not yet have seen the cut that ended the last response, and
// holds its bytes as sent until it does, so asking again may succeed.
func refusedResume(err error, from int64) bool {
	var se *statusErr
	return from > 0 && errors.As(err, &se) && se.code == http.StatusGone
}

// ranged is the GET for the bytes from offset on; from 0 it is a plain GET.
func (c *client) ranged(ctx context.Context, r remote, from int64) (*http.Request, error) {
	req, err := c.request(ctx, http.MethodGet, r.url)
	if err == nil && from > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-")
		if r.etag != "" {
			req.Header.Set("If-Range", r.etag)
		}
	}
	return req, err
}

// writeFrom copies one response into f and returns how far f is whole.
func (c *client) writeFrom(f *os.File, res *http.Response, r remote, from int64, bar *progress.Bar) (int64, error) {
	defer res.Body.Close()
	start, err := startOf(res, r.size)
	if err != nil {
		return from, &fatalError{err}
	}
	if start != from {
		if start != 0 {
			return from, &fatalError{fmt.Errorf("asked for bytes from %d, the server sent from %d", from, start)}
		}
		c.warn("the file changed on the server; starting again")
		if err := f.Truncate(0); err != nil {
			return from, &fatalError{err}
		}
		bar.At(0)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return start, &fatalError{err}
	}
	n, err := io.Copy(f, &counter{r: res.Body, bar: bar})
	at := start + n
	if err == nil && at != r.size {
		err = fmt.Errorf("the download ended at %d of %d bytes", at, r.size)
	}
	var werr *os.PathError
	if errors.As(err, &werr) {
		err = &fatalError{err} // the disk, not the network
	}
	return at, err
}

// startOf is the first byte a 200 or 206 carries.
func startOf(res *http.Response, size int64) (int64, error) {
	if res.StatusCode == http.StatusOK {
		return 0, nil
	}
	cr := res.Header.Get("Content-Range")
	var first, last, total int64
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil || total != size || last != size-1 || first < 0 || first > last {
		return 0, fmt.Errorf("the server answered a range this file cannot have (Content-Range %q)", cr)
	}
	return first, nil
}

// sha256ETag is Ferry's ETag: the file's SHA-256, quoted.
var sha256ETag = regexp.MustCompile(`^"[0-9a-f]{64}"$`)

// finish checks the whole .part against the ETag when it is the file's
// SHA-256 (Ferry's is), so a splice of two versions or a disk fault is
// caught, then syncs it.
func finish(f *os.File, r remote) error {
	if sha256ETag.MatchString(r.etag) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != strings.Trim(r.etag, `"`) {
			return fmt.Errorf("the saved bytes have SHA-256 %s, the server's file %s; the .part is kept, --force does not mend it: delete it and run again", got, strings.Trim(r.etag, `"`))
		}
	}
	return f.Sync()
}

// fatalError is a failure asking again will not mend.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// counter passes a body through, counting it into the progress.
type counter struct {
	r   io.Reader
	bar *progress.Bar
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.bar.Add(n)
	return n, err
}

// zip saves the share's files as one zip. A zip is streamed as it is
// made, with no length, ETag or Range, so it cannot resume: a cut short
// one is fetched again whole, which spends another download of a
// limited share. Asking with HEAD first spends nothing, so a name that
// is taken is refused before anything is spent.
func (c *client) zip(ctx context.Context, l link) (string, error) {
	res, err := c.do(ctx, "look up the share", func() (*http.Request, error) {
		return c.request(ctx, http.MethodHead, l.zipURL())
	}, http.StatusOK)
	if err != nil {
		return "", err
	}
	drain(res)
	name, err := saveName(res.Header.Get("Content-Disposition"))
	if err != nil {
		return "", err
	}
	target, err := c.target(name)
	if err != nil {
		return "", err
	}
	part := target + ".part"
	f, err := os.Create(part)
	if err != nil {
		return "", fmt.Errorf("cannot write %s: %w", part, errors.Unwrap(err))
	}
	defer f.Close()
	if err := c.zipInto(ctx, f, l, target); err != nil {
		return "", err
	}
	if err := c.place(part, target); err != nil {
		return "", err
	}
	return target, nil
}

// zipInto writes the share's zip into f; a zip cut short is an error,
// not retried, since asking again spends a download.
func (c *client) zipInto(ctx context.Context, f *os.File, l link, target string) error {
	res, err := c.do(ctx, "download", func() (*http.Request, error) {
		return c.request(ctx, http.MethodGet, l.zipURL())
	}, http.StatusOK)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	bar := progress.New(c.o.Stderr, c.o.Terminal, progress.Fetching, target, res.ContentLength, 0)
	_, err = io.Copy(f, &counter{r: res.Body, bar: bar})
	bar.Done(err)
	if err != nil {
		return fmt.Errorf("the zip was cut short (%w); a zip cannot resume, and fetching it again spends another download", err)
	}
	return f.Sync()
}
