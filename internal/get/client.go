package get

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/ferryhq/ferry/internal/transfer"
)

// passwordHeader carries a share's password; never the URL.
const passwordHeader = "Ferry-Share-Password"

// client fetches from one server.
type client struct {
	o     Options
	http  *http.Client
	state stateDir
}

func newClient(o Options) (*client, error) {
	if o.Retries <= 0 {
		o.Retries = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	dir, err := transfer.StateDir(o.StateDir, "downloads")
	if err != nil {
		return nil, err
	}
	o.StateDir = dir
	hc := transfer.HTTPClient(o.HTTP)
	own := *hc
	own.CheckRedirect = redirectPolicy(hc.CheckRedirect)
	return &client{o: o, http: &own, state: stateDir(o.StateDir)}, nil
}

// redirectPolicy keeps the share's password on Ferry's host: a server
// with DOWNLOAD_MODE=redirect sends the client to signed storage URLs,
// which must not see it (Go drops only Authorization and cookies). The
// store's ETag is not Ferry's, so If-Range goes too; the signed URL names
// the same immutable object.
func redirectPolicy(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host {
			req.Header.Del(passwordHeader)
			req.Header.Del("If-Range")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// request is a GET or HEAD with the password.
func (c *client) request(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if c.o.Password != "" {
		req.Header.Set(passwordHeader, c.o.Password)
	}
	return req, nil
}

// do sends requests made by build until one answers one of want, retrying
// network errors and statuses that may pass (5xx, 429) with backoff. Any
// other status is the share's answer, said plainly.
func (c *client) do(ctx context.Context, what string, build func() (*http.Request, error), want ...int) (*http.Response, error) {
	for n := 1; ; n++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		res, err := c.http.Do(req)
		if err == nil {
			for _, w := range want {
				if res.StatusCode == w {
					return res, nil
				}
			}
			err = c.statusError(res)
		}
		var fatal *statusErr
		if errors.As(err, &fatal) && !fatal.passing() || ctx.Err() != nil {
			return nil, err
		}
		if n >= c.o.Retries {
			return nil, fmt.Errorf("%s: giving up after %d tries: %w", what, n, err)
		}
		c.warn("%s: %v; retrying", what, err)
		if !c.wait(ctx, n, retryAfter(res)) {
			return nil, ctx.Err()
		}
	}
}

// statusErr is an answer other than the one wanted.
type statusErr struct {
	code int
	msg  string
}

func (e *statusErr) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// passing is whether the status may go away if asked again.
func (e *statusErr) passing() bool {
	return e.code >= 500 || e.code == http.StatusTooManyRequests
}

// statusError reads a refusal and says what it means for the user.
func (c *client) statusError(res *http.Response) error {
	defer drain(res)
	var msg string
	switch res.StatusCode {
	case http.StatusNotFound:
		msg = "no such share or file: the link is wrong, or the share was deleted"
	case http.StatusGone:
		msg = "the share has expired or its downloads are used up"
	case http.StatusUnauthorized:
		msg = "the share needs a password: give it on stdin with --password-stdin"
		if c.o.Password != "" {
			msg = "wrong password for the share"
		}
	case http.StatusTooManyRequests:
		msg = "too many attempts; try again later"
	case http.StatusServiceUnavailable:
		msg = "the server is unavailable for now; try again later"
	default:
		msg = serverWords(res)
	}
	return &statusErr{code: res.StatusCode, msg: msg}
}

// serverWords is the message of Ferry's JSON error, or the status.
func serverWords(res *http.Response) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.NewDecoder(io.LimitReader(res.Body, 4<<10)).Decode(&e) == nil && e.Error.Message != "" && len(e.Error.Message) < 300 {
		return "server: " + e.Error.Message
	}
	return "server: " + res.Status
}

// retryAfter is the server's Retry-After in seconds, at most 30s; 0 when
// there is none.
func retryAfter(res *http.Response) time.Duration {
	if res == nil {
		return 0
	}
	s, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, 30*time.Second)
}

// wait sleeps before try n+1: the server's Retry-After, or Backoff
// doubled per failure up to 30s, with jitter so that clients cut off
// together do not return together. It reports false if ctx ended first.
func (c *client) wait(ctx context.Context, n int, after time.Duration) bool {
	d := min(c.o.Backoff<<min(n-1, 10), 30*time.Second)
	d = d/2 + rand.N(d/2+1)
	d = max(d, after)
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
	fmt.Fprintf(c.o.Stderr, "ferry get: "+format+"\n", a...)
}

// drain reads what is left of a small body so the connection is reused.
func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
}

// resolve turns a share page link into the link of what to save: its one
// file, or its zip when it holds several.
func (c *client) resolve(ctx context.Context, l link) (link, error) {
	res, err := c.do(ctx, "read the share", func() (*http.Request, error) {
		req, err := c.request(ctx, http.MethodGet, l.shareURL())
		if err == nil {
			req.Header.Set("Accept", "application/json")
		}
		return req, err
	}, http.StatusOK)
	if err != nil {
		return link{}, err
	}
	defer drain(res)
	var sh struct {
		Files []struct {
			ID string `json:"id"`
		} `json:"files"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(&sh); err != nil {
		return link{}, fmt.Errorf("read the share: %w", err)
	}
	switch len(sh.Files) {
	case 0:
		return link{}, errors.New("the share holds no files")
	case 1:
		l.fileID = sh.Files[0].ID
	default:
		l.zip = true
	}
	return l, nil
}
