package mail

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

const from = "Ferry <ferry@example.com>"

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url        string
		host       string
		port       int
		implicit   bool
		user, pass string
		skip       bool
	}{
		{url: "smtp://mail.example.com", host: "mail.example.com", port: 587},
		{url: "smtp://mail.example.com:2525/", host: "mail.example.com", port: 2525},
		{url: "smtps://mail.example.com", host: "mail.example.com", port: 465, implicit: true},
		{url: "smtps://mail.example.com:4650", host: "mail.example.com", port: 4650, implicit: true},
		{url: "smtp://user:s3cret@mail.example.com", host: "mail.example.com", port: 587, user: "user", pass: "s3cret"},
		{url: "smtp://us%40er:s3%2F%40cret@mail.example.com", host: "mail.example.com", port: 587, user: "us@er", pass: "s3/@cret"},
		{url: "smtp://[::1]:2525", host: "::1", port: 2525},
		{url: "smtp://localhost:1025?insecure_skip_verify=true", host: "localhost", port: 1025, skip: true},
		{url: "smtps://127.0.0.1:1465?insecure_skip_verify=true", host: "127.0.0.1", port: 1465, implicit: true, skip: true},
		{url: "smtp://mail.example.com?insecure_skip_verify=false", host: "mail.example.com", port: 587},
	}
	for _, tt := range tests {
		s, err := New(tt.url, from)
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		got := []any{s.host, s.port, s.implicitTLS, s.user, s.pass, s.tls.InsecureSkipVerify, s.tls.ServerName}
		want := []any{tt.host, tt.port, tt.implicit, tt.user, tt.pass, tt.skip, tt.host}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("New(%q) = %v, want %v", tt.url, got, want)
				break
			}
		}
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"", "must start with smtp"},
		{"http://user:s3cret@mail.example.com", "must start with smtp"},
		{"user:s3cret@mail.example.com", "not a valid URL"},
		{"smtp:user:s3cret@mail.example.com", "not a valid URL"},
		{"smtp://user:s3cret@", "no host"},
		{"smtp://user:s3cret@:25", "no host"},
		{"smtp://user:s3cret@mail.example.com:99999", "port outside"},
		{"smtp://user:s3cret@mail.example.com:0", "port outside"},
		{"smtp://user:s3cret@mail.example.com:abc", "not a valid URL"},
		{"smtp://user:s3cret\x7f@mail.example.com", "not a valid URL"},
		{"smtp://user:s3c#ret@mail.example.com", "not a valid URL"},
		{"smtp://user:s3cret@mail.example.com/relay", "no path"},
		{"smtp://user:s3cret@mail.example.com#x", "no path"},
		{"smtp://user@mail.example.com", "both a user and a password"},
		{"smtp://user:@mail.example.com", "both a user and a password"},
		{"smtp://:s3cret@mail.example.com", "both a user and a password"},
		{"smtp://user:s3cret@mail.example.com?insecure_skip_verify=true", "this machine"},
		{"smtp://user:s3cret@localhost?insecure_skip_verify=yes please", "true or false"},
		{"smtp://user:s3cret@mail.example.com?tls=off", `unknown option "tls"`},
		{"smtp://user:s3cret@mail.example.com?a=%zz", "name=value"},
	}
	for _, tt := range tests {
		_, err := New(tt.url, from)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q) = %v, want an error with %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3c") {
			t.Errorf("New(%q): the error shows the password: %v", tt.url, err)
		}
	}
}

func TestNewFrom(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"Ferry <ferry@example.com>":           true,
		"ferry@example.com":                   true,
		`"Ferry, the sender" <a@example.com>`: true,
		"not an address":                      false,
		"":                                    false,
		"a@example.com\r\nBcc: x@example.com": false,
	} {
		if _, err := New("smtp://mail.example.com", addr); (err == nil) != ok {
			t.Errorf("New with MAIL_FROM %q: %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestStringHidesPassword(t *testing.T) {
	t.Parallel()
	s, err := New("smtps://user:s3cret@[::1]", from)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "smtps://user@[::1]:465"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestAuthChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tls, local bool
		offered    string
		want       string // mechanism, or a part of the error
	}{
		{tls: true, offered: "PLAIN LOGIN", want: "PLAIN"},
		{tls: true, offered: "LOGIN", want: "LOGIN"},
		{tls: true, offered: "PLAIN SCRAM-SHA-256", want: "SCRAM-SHA-256"},
		{tls: true, offered: "SCRAM-SHA-1 PLAIN", want: "SCRAM-SHA-1"},
		{tls: true, offered: "CRAM-MD5 PLAIN", want: "PLAIN"},
		{local: true, offered: "PLAIN", want: "PLAIN"},
		{offered: "PLAIN LOGIN CRAM-MD5", want: "CRAM-MD5"},
		{offered: "PLAIN LOGIN", want: "only over TLS"},
		{tls: true, offered: "", want: "offers no AUTH"},
		{tls: true, offered: "XOAUTH2", want: "only over TLS"},
	}
	for _, tt := range tests {
		a := &auth{user: "user", pass: "s3cret", local: tt.local}
		info := &smtp.ServerInfo{Name: "mail.example.com", TLS: tt.tls, Auth: strings.Fields(tt.offered)}
		mech, _, err := a.Start(info)
		got := mech
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) || strings.Contains(got, "s3cret") {
			t.Errorf("tls=%v local=%v offered %q: got %q, want %q", tt.tls, tt.local, tt.offered, got, tt.want)
		}
	}
}

// TestSendHeedsContext talks to a server that never answers: Send must
// return when ctx ends, not when the timeout does.
func TestSendHeedsContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, conn) // silent until the client hangs up
		_ = conn.Close()
	}()
	s, err := New("smtp://"+ln.Addr().String(), from)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, "owner@example.com", "hello", "text", "<p>html</p>")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v after its context ended", d)
	}
}
