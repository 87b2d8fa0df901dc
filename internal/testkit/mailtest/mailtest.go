// Package mailtest runs a real SMTP server inside a test process and keeps
// every message it accepts, so mail is tested over SMTP, not imagined.
package mailtest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Sink holds the messages the server accepted, raw.
type Sink struct {
	mu   sync.Mutex
	msgs []string
}

// Start runs a server on 127.0.0.1 until the test ends and returns the
// smtp:// URL that reaches it.
func Start(t testing.TB) (*Sink, string) {
	t.Helper()
	sink := &Sink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sink, "smtp://" + ln.Addr().String()
}

// All returns every message so far, separated by a line of dashes.
func (s *Sink) All() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.msgs, "\n----\n")
}

// Count is the number of messages so far.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// NewSession serves one SMTP connection.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }

type session struct{ sink *Sink }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, string(b))
	s.sink.mu.Unlock()
	return err
}
