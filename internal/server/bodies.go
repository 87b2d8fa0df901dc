package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// There is no ReadTimeout on the server (see New), so a request body is
// read for as long as the client keeps the connection open. These two
// bound it from the handler, which knows what kind of body it takes.

// IdleBody makes each read of r's body progress within idle: a large
// upload on a slow but live connection may take hours, while one that
// stops sending is cut off idle after its last byte. It moves the
// connection's read deadline forward before every read.
func IdleBody(w http.ResponseWriter, r *http.Request, idle time.Duration) {
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: idle}
}

// BodyDeadline gives the whole of r's body until d from now, for the
// small JSON and form bodies, which a live client sends at once.
func BodyDeadline(w http.ResponseWriter, r *http.Request, d time.Duration) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(d)) // ErrNotSupported: a test's recorder, nothing to bound
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
}

// deadlineBody clears the read deadline once the body has been read: a
// deadline left behind would fire in net/http's background read, which
// waits on the connection while the handler works on, and that cancels
// the request's context. After a timeout the deadline stays passed, so
// the rest of the body cannot be read either and net/http closes the
// connection.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration // 0: the deadline set before the handler stands
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.idle > 0 && !b.done {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.done {
		b.done = true
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			_ = b.rc.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}
