package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// requestTimeout bounds every request of the load generator.
const requestTimeout = 30 * time.Second

// client sends the suite's requests, only to 127.0.0.1.
type client struct {
	http    *http.Client
	token   string // the API token most requests carry
	cookie  string // the session cookie opMeSession carries instead
	uploads *registry
}

// newClient keeps a few connections alive to nginx, as a browser would.
func newClient(st *stack, uploads *registry, conns int) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true, ResponseHeaderTimeout: requestTimeout}
	return &client{http: &http.Client{Transport: tr}, token: st.token, cookie: st.cookie, uploads: uploads}
}

// upload sends body (size bytes) as name to base (nginx or one web), with
// its length or chunked. A 201 whose SHA-256 and size match ours is
// registered.
func (c *client) upload(ctx context.Context, base, name string, body io.Reader, size int64, chunked bool) outcome {
	o := outcome{op: opUploadKnown, start: time.Now(), name: name}
	if chunked {
		o.op = opUploadChunked
	}
	h := &hashingReader{r: body, h: newHash()}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/api/v1/files/"+url.PathEscape(name), h)
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	req.ContentLength = size
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	canResend(req, body, h)
	resp, err := c.http.Do(req)
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return c.drainAnswer(o, resp)
	}
	return c.register(o, resp, name, h.sum(), size)
}

// register reads a 201's file JSON and keeps the file when the server's
// SHA-256 and size are ours.
func (c *client) register(o outcome, resp *http.Response, name, sum string, size int64) outcome {
	var f fileJSON
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		return finish(o, resp.StatusCode, false, err, false)
	}
	return c.keep(o, resp.StatusCode, f, name, sum, size)
}

// download fetches a stored file and checks its SHA-256.
func (c *client) download(ctx context.Context, f storedFile) outcome {
	o := outcome{op: opDownload, start: time.Now()}
	resp, cancel, err := c.get(ctx, opDownload, f.downloadURL, "")
	defer cancel()
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.drainAnswer(o, resp)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return finish(o, resp.StatusCode, false, err, false)
	}
	corrupt := n != f.size || hex.EncodeToString(h.Sum(nil)) != f.sha256
	return finish(o, resp.StatusCode, false, nil, corrupt)
}

// small sends one small GET and reads the answer.
func (c *client) small(ctx context.Context, o op, url, accept string) outcome {
	out := outcome{op: o, start: time.Now()}
	resp, cancel, err := c.get(ctx, o, url, accept)
	defer cancel()
	if err != nil {
		return finish(out, 0, false, err, false)
	}
	defer resp.Body.Close()
	return c.drainAnswer(out, resp)
}

// get sends a GET with the token, or for opMeSession with the session
// cookie; cancel ends its deadline.
func (c *client) get(ctx context.Context, o op, url, accept string) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, cancel, err
	}
	if o == opMeSession {
		req.Header.Set("Cookie", c.cookie)
	} else {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.http.Do(req)
	return resp, cancel, err
}

// drainAnswer reads an answer's body to its end, so that a reset halfway
// counts as a connection error, and classifies it.
func (c *client) drainAnswer(o outcome, resp *http.Response) outcome {
	_, err := io.Copy(io.Discard, resp.Body)
	return finish(o, resp.StatusCode, resp.Header.Get("Retry-After") != "", err, false)
}

// finish stamps the end and the kind; err is the failure to send the
// request or to read the answer, if any.
func finish(o outcome, status int, retryAfter bool, err error, corrupt bool) outcome {
	o.end = time.Now()
	o.status, o.retryAfter, o.connErr, o.corrupt = status, retryAfter, err != nil, corrupt
	if err != nil {
		o.errText = err.Error()
	}
	o.kind = classify(wantStatus(o.op), status, retryAfter, o.connErr, corrupt)
	return o
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// newHash is the hash uploads are checked with.
func newHash() hash.Hash { return sha256.New() }

func (h *hashingReader) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// randomBody is size pseudo-random bytes, cheap to make, that can be
// read again from the start (replayable).
func randomBody(rng *rand.Rand, size int64) io.Reader {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	return &random{Reader: io.LimitReader(rand.NewChaCha8(seed), size), seed: seed, size: size}
}

type random struct {
	io.Reader
	seed [32]byte
	size int64
}

// replayable is a body that can be read again from the start.
type replayable interface{ again() io.Reader }

func (r *random) again() io.Reader { return io.LimitReader(rand.NewChaCha8(r.seed), r.size) }

// canResend lets Go's client send req again, from the start of its body,
// when the kept-alive connection it picked turns out to have been closed
// by the server before any of the request went out (http: server closed
// idle connection). The server never saw it, so sending it on a new
// connection is safe for any method, and curl and browsers do so; Go's
// client does it only for a request with GetBody that is idempotent or
// carries an Idempotency-Key, which Ferry ignores. h, when not nil, is
// the hash of the body, restarted with it.
func canResend(req *http.Request, body io.Reader, h *hashingReader) {
	switch b := body.(type) {
	case nil:
	case replayable:
		req.GetBody = func() (io.ReadCloser, error) {
			h.r, h.h = b.again(), newHash()
			return io.NopCloser(h), nil
		}
	default:
		return
	}
	req.Header.Set("Idempotency-Key", strconv.FormatUint(rand.Uint64(), 36))
}

// throttled reads at most rate bytes a second, so an upload stays in
// flight long enough for a scenario to kill its server.
type throttled struct {
	r     io.Reader
	rate  int64
	start time.Time
	sent  int64
}

func (t *throttled) Read(p []byte) (int, error) {
	if t.start.IsZero() {
		t.start = time.Now()
	}
	if ahead := time.Duration(float64(t.sent)/float64(t.rate)*float64(time.Second)) - time.Since(t.start); ahead > 0 {
		time.Sleep(ahead)
	}
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	n, err := t.r.Read(p)
	t.sent += int64(n)
	return n, err
}
