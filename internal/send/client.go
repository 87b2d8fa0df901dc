package send

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/progress"
	"github.com/ferryhq/ferry/internal/transfer"
)

// uploadsPath is the server's tus endpoint.
const uploadsPath = "/api/v1/uploads"

// client sends files to one server.
type client struct {
	o     Options
	base  *url.URL
	http  *http.Client
	state stateDir
}

func newClient(o Options) (*client, error) {
	base, err := baseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, usage("no API token: set FERRY_TOKEN or pass --token")
	}
	u, _ := url.Parse(base)
	if o.ChunkSize <= 0 {
		o.ChunkSize = 8 << 20
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	dir, err := transfer.StateDir(o.StateDir, "uploads")
	if err != nil {
		return nil, err
	}
	o.StateDir = dir
	hc := transfer.HTTPClient(o.HTTP)
	return &client{o: o, base: u, http: hc, state: stateDir(o.StateDir)}, nil
}

// sentFile is a file the server has, with its share.
type sentFile struct {
	name, fileID, link string
}

// send uploads one file, resuming the upload a past run left if the
// server still has it, and returns the file the server made of it.
func (c *client) send(ctx context.Context, f local) (sentFile, error) {
	key := c.state.key(c.base.String(), f)
	loc, offset := "", int64(0)
	if prev, ok := c.state.load(key); ok {
		off, err := c.resumePoint(ctx, prev)
		switch {
		case err == nil:
			loc, offset = prev, off
			c.warn("%s: resuming at %s of %s", f.name, progress.Bytes(offset), progress.Bytes(f.size))
		case errors.Is(err, errGone):
			c.warn("%s: the last upload is gone from the server (%v); starting again", f.name, err)
			c.state.drop(key)
		default:
			return sentFile{}, err
		}
	}
	if loc == "" {
		var err error
		if loc, err = c.create(ctx, f); err != nil {
			return sentFile{}, err
		}
		// Remembered before any byte is sent: a run killed during the first
		// PATCH is resumed too.
		if err := c.state.save(key, loc, f.path); err != nil {
			c.warn("cannot remember the upload, so it cannot be resumed by another run: %v", err)
		}
	}
	p := progress.New(c.o.Stderr, c.o.Terminal, progress.Sending, f.name, f.size, offset)
	err := c.upload(ctx, f, loc, offset, p)
	p.Done(err)
	if err != nil {
		return sentFile{}, err
	}
	s, err := c.result(ctx, loc)
	if err != nil {
		return sentFile{}, err
	}
	c.state.drop(key)
	s.name = f.name
	return s, nil
}

// create starts an upload of f with the share's options and returns its
// absolute URL.
func (c *client) create(ctx context.Context, f local) (string, error) {
	name := f.upload
	if name == "" {
		name = filepath.Base(f.path)
	}
	meta := []string{"filename", name}
	if t := typeOf(f.path); t != "" {
		meta = append(meta, "filetype", t)
	}
	if c.o.ExpiresIn != "" {
		meta = append(meta, "expires_in", c.o.ExpiresIn)
	}
	if c.o.MaxDownloads > 0 {
		meta = append(meta, "max_downloads", strconv.Itoa(c.o.MaxDownloads))
	}
	var loc string
	err := c.retry(ctx, "start the upload", func() (bool, error) {
		req, err := c.request(ctx, http.MethodPost, c.base.String()+uploadsPath, nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("Upload-Length", strconv.FormatInt(f.size, 10))
		req.Header.Set("Upload-Metadata", encodeMeta(meta))
		if c.o.Password != "" {
			req.Header.Set("Ferry-Share-Password", c.o.Password)
		}
		res, err := c.http.Do(req)
		if err != nil {
			return true, err
		}
		defer drain(res)
		if res.StatusCode != http.StatusCreated {
			return retryable(res.StatusCode), serverError(res)
		}
		u, err := c.base.Parse(res.Header.Get("Location"))
		if err != nil || res.Header.Get("Location") == "" {
			return false, fmt.Errorf("the server gave no upload URL (Location %q)", res.Header.Get("Location"))
		}
		loc = u.String()
		return false, nil
	})
	return loc, err
}

// upload PATCHes f from offset to its end. On a network error, a 5xx or
// a conflict it asks the server for its offset (HEAD) and goes on from
// there; Retries failures in a row end it. Progress resets the count.
func (c *client) upload(ctx context.Context, f local, loc string, offset int64, p *progress.Bar) error {
	failures := 0
	for offset < f.size {
		n := min(c.o.ChunkSize, f.size-offset)
		next, err := c.patch(ctx, loc, f, offset, n, p)
		if err == nil {
			offset, failures = next, 0
			continue
		}
		var fatal *fatalError
		if errors.As(err, &fatal) || ctx.Err() != nil {
			return err
		}
		failures++
		if failures >= c.o.Retries {
			return fmt.Errorf("giving up after %d tries: %w", failures, err)
		}
		c.warn("%s: %v; retrying", f.name, err)
		if !c.wait(ctx, failures) {
			return ctx.Err()
		}
		at, herr := c.offset(ctx, loc)
		if herr != nil {
			if errors.As(herr, &fatal) || errors.Is(herr, errGone) {
				return herr
			}
			continue // the next PATCH at the old offset fails again, or the server says where it is
		}
		offset = at
		p.At(at)
	}
	return nil
}

// patch sends bytes [offset, offset+n) and returns the server's new offset.
func (c *client) patch(ctx context.Context, loc string, f local, offset, n int64, p *progress.Bar) (int64, error) {
	body := &counter{r: io.NewSectionReader(f, offset, n), p: p}
	req, err := c.request(ctx, http.MethodPatch, loc, body)
	if err != nil {
		return 0, &fatalError{err}
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	// A retried body starts again from its first byte; the server's
	// offset decides where that is, so no automatic rewind.
	req.GetBody = nil
	res, err := c.http.Do(req)
	if err != nil {
		p.At(offset)
		return 0, err
	}
	defer drain(res)
	switch {
	case res.StatusCode == http.StatusNoContent:
		at, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
		if err != nil || at <= offset || at > f.size {
			return 0, &fatalError{fmt.Errorf("the server answered a bad Upload-Offset %q", res.Header.Get("Upload-Offset"))}
		}
		p.At(at)
		return at, nil
	case res.StatusCode == http.StatusConflict || retryable(res.StatusCode):
		p.At(offset)
		return 0, serverError(res)
	default:
		return 0, &fatalError{serverError(res)}
	}
}

// errGone is an upload the server no longer has: expired, ended, or
// another account's.
var errGone = errors.New("upload gone")

// resumePoint asks for a past run's upload, with retries.
func (c *client) resumePoint(ctx context.Context, loc string) (int64, error) {
	var at int64
	err := c.retry(ctx, "look up the last upload", func() (bool, error) {
		var err error
		at, err = c.offset(ctx, loc)
		var fatal *fatalError
		return err != nil && !errors.Is(err, errGone) && !errors.As(err, &fatal), err
	})
	return at, err
}

// offset asks the server how many bytes of the upload it has (HEAD).
func (c *client) offset(ctx context.Context, loc string) (int64, error) {
	req, err := c.request(ctx, http.MethodHead, loc, nil)
	if err != nil {
		return 0, &fatalError{err}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer drain(res)
	switch {
	case res.StatusCode == http.StatusOK:
		at, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
		if err != nil || at < 0 {
			return 0, &fatalError{fmt.Errorf("the server answered a bad Upload-Offset %q", res.Header.Get("Upload-Offset"))}
		}
		return at, nil
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone || res.StatusCode == http.StatusForbidden:
		return 0, fmt.Errorf("%w: %s", errGone, res.Status)
	case retryable(res.StatusCode):
		return 0, serverError(res)
	default:
		return 0, &fatalError{serverError(res)}
	}
}

// uploadStatus is GET /api/v1/uploads/{id}: the file once it is one.
type uploadStatus struct {
	File *struct {
		ID    string `json:"id"`
		Share *struct {
			URL string `json:"url"`
		} `json:"share"`
	} `json:"file"`
}

// result reads the file a finished upload became, and its share link.
func (c *client) result(ctx context.Context, loc string) (sentFile, error) {
	var st uploadStatus
	err := c.retry(ctx, "read the uploaded file", func() (bool, error) {
		return c.getJSON(ctx, http.MethodGet, loc, nil, http.StatusOK, &st)
	})
	if err != nil {
		return sentFile{}, err
	}
	if st.File == nil || st.File.Share == nil || st.File.Share.URL == "" {
		return sentFile{}, errors.New("the server has all the bytes but no file with a share for them")
	}
	return sentFile{fileID: st.File.ID, link: st.File.Share.URL}, nil
}

// shareAll makes one share of every sent file, with the share options.
func (c *client) shareAll(ctx context.Context, sent []sentFile) (string, error) {
	body := map[string]any{"file_ids": []string{}}
	ids := make([]string, 0, len(sent))
	for _, s := range sent {
		ids = append(ids, s.fileID)
	}
	body["file_ids"] = ids
	if c.o.ExpiresIn != "" {
		body["expires_in"] = c.o.ExpiresIn
	}
	if c.o.MaxDownloads > 0 {
		body["max_downloads"] = c.o.MaxDownloads
	}
	if c.o.Password != "" {
		body["password"] = c.o.Password
	}
	b, _ := json.Marshal(body)
	var out struct {
		URL string `json:"url"`
	}
	// Not retried on a network error: a share made whose answer was lost
	// would be made twice. Each file keeps its own link meanwhile.
	_, err := c.getJSON(ctx, http.MethodPost, c.base.String()+"/api/v1/shares", b, http.StatusCreated, &out)
	if err == nil && out.URL == "" {
		err = errors.New("the server answered no link")
	}
	return out.URL, err
}

// getJSON makes a request with a JSON answer; it reports whether a
// failure is worth retrying.
func (c *client) getJSON(ctx context.Context, method, u string, body []byte, want int, out any) (bool, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := c.request(ctx, method, u, rd)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return true, err
	}
	defer drain(res)
	if res.StatusCode != want {
		return retryable(res.StatusCode), serverError(res)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(out); err != nil {
		return false, fmt.Errorf("read the server's answer: %w", err)
	}
	return false, nil
}

// request is a tus request with the token.
func (c *client) request(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+c.o.Token)
	return req, nil
}

// retry runs try until it succeeds, fails for good, or fails Retries
// times, waiting longer after each failure.
func (c *client) retry(ctx context.Context, what string, try func() (again bool, err error)) error {
	for n := 1; ; n++ {
		again, err := try()
		if err == nil || !again || ctx.Err() != nil {
			return err
		}
		if n >= c.o.Retries {
			return fmt.Errorf("%s: giving up after %d tries: %w", what, n, err)
		}
		c.warn("%s: %v; retrying", what, err)
		if !c.wait(ctx, n) {
			return ctx.Err()
		}
	}
}

// wait sleeps before try n+1: Backoff doubled per failure, at most 30s,
// with jitter so that many clients cut off together do not return
// together. It reports false if ctx ended first.
func (c *client) wait(ctx context.Context, n int) bool {
	d := c.o.Backoff << min(n-1, 10)
	d = min(d, 30*time.Second)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (c *client) warn(format string, a ...any) {
	fmt.Fprintf(c.o.Stderr, "ferry send: "+format+"\n", a...)
}

// fatalError is a failure retrying will not mend (a 4xx but 409).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// retryable is whether a status may go away: 5xx, 429, 423 (the upload's
// lock is still held by a request cut off).
func retryable(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusLocked
}

// serverError is the server's own words for a failed request: Ferry's
// JSON error, tusd's text, or the status.
func serverError(res *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		msg = e.Error.Message
	}
	if msg == "" || len(msg) > 300 {
		msg = res.Status
	}
	return fmt.Errorf("server: %s (%d)", msg, res.StatusCode)
}

// drain reads what is left of a body so the connection is reused.
func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
}

// encodeMeta is tus's Upload-Metadata: key and base64 value pairs.
func encodeMeta(kv []string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}
