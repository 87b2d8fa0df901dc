// Package mail sends Ferry's mail through the SMTP server named by
// SMTP_URL.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender sends mail through one SMTP server.
type Sender struct {
	opts []gomail.Option
	host string
	from string
}

// New reads smtpURL: smtp://[user:pass@]host[:587] uses STARTTLS when the
// server offers it; smtps://[user:pass@]host[:465] speaks TLS from the
// start. ?insecure_skip_verify=true is for local test servers only.
// Errors never repeat the URL, which may hold a password.
func New(smtpURL, from string) (*Sender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("not a valid smtp:// or smtps:// URL")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("MAIL_FROM %q is not an address", from)
	}
	opts, err := options(u)
	if err != nil {
		return nil, err
	}
	return &Sender{opts: opts, host: u.Hostname(), from: from}, nil
}

func options(u *url.URL) ([]gomail.Option, error) {
	port, secure := 587, false
	switch u.Scheme {
	case "smtp":
	case "smtps":
		port, secure = 465, true
	default:
		return nil, fmt.Errorf("scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("the port is not a number from 1 to 65535")
		}
		port = n
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	if secure {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if u.Query().Get("insecure_skip_verify") == "true" {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()})) //nolint:gosec // opt-in for local test servers
	}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	return opts, nil
}

// Send delivers one message with a plain-text part and an HTML
// alternative.
func (s *Sender) Send(ctx context.Context, to, subject, text, html string) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(subject)
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail via %s: %w", s.host, err)
	}
	return nil
}
