package web

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ferryhq/ferry/internal/server"
)

// uploadRoutes are the routes whose body is a file, which may take hours
// on a slow link: it need only keep moving. Every other body is small
// JSON or a form and must arrive whole within BodyTimeout. A new route
// that takes a file belongs here.
var uploadRoutes = map[string]bool{
	"PUT /api/v1/files/{name}": true, "POST /api/v1/files": true, "POST /files": true,
	"POST /api/v1/uploads": true, "PATCH /api/v1/uploads/{id}": true, // tus creation-with-upload, and its chunks
	"PUT /r/{token}/files/{name}": true, "POST /r/{token}/files": true, // uploads to file requests
}

// bodyDeadlines bounds how long a client may take to send its request
// body, so that connections trickling bytes cannot pile up: there is no
// server-wide ReadTimeout, which would cut off large uploads. It looks the
// route up in mux, before the mux runs it.
func (s *Server) bodyDeadlines(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			_, pattern := mux.Handler(r)
			switch {
			case uploadRoutes[pattern] && s.Settings.UploadIdleTimeout > 0:
				server.IdleBody(w, r, s.Settings.UploadIdleTimeout, s.Settings.UploadMinRate)
			case !uploadRoutes[pattern] && s.Settings.BodyTimeout > 0:
				server.BodyDeadline(w, r, s.Settings.BodyTimeout)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// lingerUploads runs lingerUpload around the upload routes of mux. It
// goes outside observe, so the request is logged and counted as the
// handler answered it, and what is read of the body afterwards is not.
func lingerUploads(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); !uploadRoutes[pattern] {
			next.ServeHTTP(w, r)
			return
		}
		lingerUpload(w, r, next.ServeHTTP)
	})
}

// What is read of an upload's body after it was answered early: at most
// lingerBytes, for at most lingerTime.
const (
	lingerBytes = 4 << 20
	lingerTime  = 2 * time.Second
)

// lingerUpload runs an upload route and, when it answered before the
// body ended (a refusal: unauthorised, over quota, a backing service
// down), sends the whole answer first and then reads and discards up to
// lingerBytes of the rest of the body, for up to lingerTime, before the
// connection closes. Closing a socket with unread data resets it, and a
// reset can reach a proxy that streams the body (nginx with request
// buffering off) before it has read the answer: it then answers 502 in
// place of the refusal. Lingering gives the proxy the time to read the
// answer and hang up, as RFC 9112 section 9.6 asks of a server that
// closes early. The early answer is held until the handler returns and
// goes out whole, with its Content-Length and Connection: close, so the
// client has all of it while the server still reads.
func lingerUpload(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	rc := http.NewResponseController(w)
	// Net/http would otherwise discard up to 256 KiB when the answer
	// is written and not read the body after it; this takes over both.
	_ = rc.EnableFullDuplex()
	body := &endedBody{ReadCloser: r.Body, left: r.ContentLength}
	r.Body = body
	a := &earlyAnswer{ResponseWriter: w, body: body}
	next(a, r)
	if !a.early {
		return
	}
	h := w.Header()
	h.Set("Connection", "close")
	h.Set("Content-Length", strconv.Itoa(a.held.Len()))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.held.Bytes())
	if rc.Flush() != nil || body.ended || r.Context().Err() != nil {
		return
	}
	if rc.SetReadDeadline(time.Now().Add(lingerTime)) != nil {
		return // not a real connection (a test's recorder): nothing to linger on
	}
	_, _ = io.CopyN(io.Discard, body, lingerBytes)
	_ = rc.SetReadDeadline(time.Time{})
}

// endedBody notes when a body has been read to its end or failed: its
// error, or the last of its announced length.
type endedBody struct {
	io.ReadCloser
	left  int64 // of the announced length; negative when chunked
	ended bool
}

func (b *endedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left >= 0 {
		b.left -= int64(n)
	}
	if err != nil || b.left == 0 {
		b.ended = true
	}
	return n, err
}

// earlyAnswer holds an answer whose status is written before the body
// ended, for lingerUpload to send whole; any other answer passes.
type earlyAnswer struct {
	http.ResponseWriter
	body   *endedBody
	status int
	early  bool
	held   bytes.Buffer
}

func (a *earlyAnswer) WriteHeader(code int) {
	switch {
	case code < http.StatusOK: // informational: not the answer
		a.ResponseWriter.WriteHeader(code)
	case a.status != 0: // superfluous, as net/http would ignore it
	case a.body.ended:
		a.status = code
		a.ResponseWriter.WriteHeader(code)
	default:
		a.status, a.early = code, true
	}
}

func (a *earlyAnswer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.early {
		return a.held.Write(b)
	}
	return a.ResponseWriter.Write(b)
}

// FlushError keeps a held answer held; it goes out when the handler ends.
func (a *earlyAnswer) FlushError() error {
	if a.early {
		return nil
	}
	return http.NewResponseController(a.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (a *earlyAnswer) Unwrap() http.ResponseWriter { return a.ResponseWriter }
