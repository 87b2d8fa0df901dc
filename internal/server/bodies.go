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

// IdleBody makes r's body keep moving: each read must progress within
// idle, and, with minRate above 0, each stretch of idle must bring at
// least minRate bytes a second, or the body is cut off at the end of the
// stretch. A large upload on a slow but live connection may take hours;
// one that stops, or trickles a byte every few seconds to hold the
// connection, is cut off within idle of falling short.
func IdleBody(w http.ResponseWriter, r *http.Request, idle time.Duration, minRate int64) {
	need := int64(float64(minRate) * idle.Seconds())
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: idle, need: need}
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
	// need is the bytes a stretch of idle must bring (0: any read will
	// do); got counts them since the stretch began, and left is what
	// remains of the stretch's time.
	need, got int64
	left      time.Duration
	started   bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.idle > 0 && !b.done {
		b.extend()
	}
	begin := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.got += int64(n)
	b.left -= time.Since(begin)
	if err != nil && !b.done {
		b.done = true
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			_ = b.rc.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}

// extend sets the read deadline before a read. Without a rate, each read
// has idle. With one, a stretch of idle is spent only by the time spent
// waiting in reads, so a handler that pauses (its store is slow) costs
// the client nothing; once the stretch has brought what it needs, a new
// one begins. A client below the rate runs out of its stretch.
func (b *deadlineBody) extend() {
	if !b.started || b.need == 0 || b.got >= b.need {
		b.started, b.got, b.left = true, 0, b.idle
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(max(b.left, time.Nanosecond)))
}
