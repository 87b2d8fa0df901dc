// Package mail sends Ferry's mail through the SMTP server named by
// SMTP_URL.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Timeout bounds one Send: connecting, TLS, AUTH and the message.
const Timeout = 30 * time.Second

// Sender sends mail through one SMTP server. It is safe for concurrent
// use: every Send opens its own connection.
type Sender struct {
	host        string
	port        int
	implicitTLS bool // smtps://; otherwise STARTTLS when offered
	user, pass  string
	tls         *tls.Config
	from        string
}

// New reads smtpURL and the sender address from (MAIL_FROM, such as
// "Ferry <ferry@example.com>"). The URL is smtp://[user:pass@]host[:587],
// which uses STARTTLS when the server offers it, or
// smtps://[user:pass@]host[:465], which speaks TLS from the start; a user
// and password that hold reserved characters must be percent-encoded.
// ?insecure_skip_verify=true skips certificate checks and is accepted for
// a server on this machine only, for local testing. Errors never repeat
// the URL, which may hold a password.
func New(smtpURL, from string) (*Sender, error) {
	s, err := parse(smtpURL)
	if err != nil {
		return nil, err
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("MAIL_FROM %q is not an address such as Ferry <ferry@example.com>", from)
	}
	s.from = from
	return s, nil
}

func parse(raw string) (*Sender, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		// url.Parse's error quotes the input, password and all.
		return nil, errors.New("is not a valid URL")
	}
	s := &Sender{host: u.Hostname(), port: 587}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return nil, errors.New("must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, errors.New("has no host")
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, errors.New("must have no path: smtp://user:password@host:port")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, errors.New("has a port outside 1 to 65535")
		}
	}
	s.user = u.User.Username()
	s.pass, _ = u.User.Password()
	if (s.user == "") != (s.pass == "") {
		return nil, errors.New("needs both a user and a password, or neither")
	}
	skip, err := insecure(u.RawQuery)
	if err != nil {
		return nil, err
	}
	if skip && !loopback(s.host) {
		return nil, errors.New("may set insecure_skip_verify=true only for a server on this machine")
	}
	s.tls = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: skip} //nolint:gosec // opt-in, loopback only
	return s, nil
}

// insecure reads the only option the URL may carry.
func insecure(rawQuery string) (bool, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false, errors.New("has a query that is not name=value pairs")
	}
	for name := range q {
		if name != "insecure_skip_verify" {
			return false, fmt.Errorf("has an unknown option %q", name)
		}
	}
	if v := q.Get("insecure_skip_verify"); v != "" {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			return false, errors.New("insecure_skip_verify must be true or false")
		}
		return skip, nil
	}
	return false, nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// String names the server without the password.
func (s *Sender) String() string {
	scheme, user := "smtp", ""
	if s.implicitTLS {
		scheme = "smtps"
	}
	if s.user != "" {
		user = url.User(s.user).String() + "@"
	}
	return scheme + "://" + user + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Send delivers one message with a plain-text part and an HTML
// alternative. It gives up when ctx ends or after Timeout.
func (s *Sender) Send(ctx context.Context, to, subject, text, html string) error {
	msg, err := s.message(to, subject, text, html)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel() // also closes the connection, see dial
	client, err := gomail.NewClient(s.host, s.options(ctx)...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	switch {
	case err == nil || msg.IsDelivered():
		return nil // the server took it; a failed QUIT is no reason to send again
	case ctx.Err() != nil:
		return fmt.Errorf("send mail via %s: %w (%w)", s.host, ctx.Err(), err)
	default:
		return fmt.Errorf("send mail via %s: %w", s.host, err)
	}
}

func (s *Sender) message(to, subject, text, html string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(oneLine(subject))
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	return msg, nil
}

// oneLine keeps a header value on its line whatever the caller passed.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func (s *Sender) options(ctx context.Context) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(Timeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(s.dial(ctx)),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL()) // dial makes the TLS connection
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&auth{user: s.user, pass: s.pass, local: loopback(s.host)}))
	}
	return opts
}

// dial connects, with TLS for smtps://, and closes the connection when
// ctx ends: go-mail heeds a context only while dialling.
func (s *Sender) dial(ctx context.Context) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, _ string) (net.Conn, error) {
		addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
		var d net.Dialer
		var conn net.Conn
		var err error
		if s.implicitTLS {
			conn, err = (&tls.Dialer{NetDialer: &d, Config: s.tls}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// auth picks a mechanism once the server has said what it offers. Over a
// connection without TLS the password leaves in the clear (PLAIN, LOGIN)
// only for a server on this machine; elsewhere only a challenge-response
// that never sends it (SCRAM, CRAM-MD5) will do, so an attacker who
// stripped STARTTLS cannot simply read it.
type auth struct {
	user, pass string
	local      bool
	chosen     smtp.Auth
}

// Start chooses and starts the mechanism.
func (a *auth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	plainOK := info.TLS || a.local
	offered := func(mech string) bool { return slices.Contains(info.Auth, mech) }
	switch {
	case offered("SCRAM-SHA-256"):
		a.chosen = smtp.ScramSHA256Auth(a.user, a.pass)
	case offered("SCRAM-SHA-1"):
		a.chosen = smtp.ScramSHA1Auth(a.user, a.pass)
	case plainOK && offered("PLAIN"):
		a.chosen = smtp.PlainAuth("", a.user, a.pass, info.Name, true)
	case plainOK && offered("LOGIN"):
		a.chosen = smtp.LoginAuth(a.user, a.pass, info.Name, true)
	case offered("CRAM-MD5"):
		a.chosen = smtp.CRAMMD5Auth(a.user, a.pass)
	case len(info.Auth) == 0:
		return "", nil, errors.New("SMTP_URL has a user, but the server offers no AUTH")
	default:
		return "", nil, fmt.Errorf("the server offers AUTH %s, which Ferry uses only over TLS",
			strings.Join(info.Auth, " "))
	}
	return a.chosen.Start(info)
}

// Next answers the server's challenge.
func (a *auth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}
