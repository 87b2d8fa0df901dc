package jobs

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ferryhq/ferry/internal/mail"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// smtpServer is a real SMTP server on loopback that takes PLAIN auth as
// user/pass, refuses mail from anyone who did not log in, and keeps what
// it accepts.
type smtpServer struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data string
}

// startSMTP runs a server until the test ends and returns it with the
// SMTP_URL that reaches it.
func startSMTP(t *testing.T) (*smtpServer, string) {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s, "smtp://user:pass@" + ln.Addr().String()
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

type smtpSession struct {
	srv    *smtpServer
	authed bool
	from   string
	to     []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "user" || pass != "pass" {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, received{from: s.from, to: s.to, data: string(b)})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// message is a received mail taken apart.
type message struct {
	header     netmail.Header
	subject    string
	text, html string
}

// parse reads a multipart/alternative mail with a text and an HTML part.
func parse(t *testing.T, raw string) message {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("read mail: %v\n%s", err, raw)
	}
	msg := message{header: m.Header}
	if msg.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative\n%s", typ, err, raw)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart() // undoes quoted-printable itself
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			body = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		switch typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); typ {
		case "text/plain":
			msg.text = string(b)
		case "text/html":
			msg.html = string(b)
		}
	}
	if msg.text == "" || msg.html == "" {
		t.Fatalf("mail lacks a text or an HTML part:\n%s", raw)
	}
	return msg
}

// mailFixture is a notify share of one file, as the database holds it.
type mailFixture struct {
	userID, shareID, fileID string
}

// addMailShare inserts an owner (none when anonymous), a file named name
// and a notify share of it with 2 of 5 downloads used.
func addMailShare(t *testing.T, d *Deps, name string, anonymous bool) mailFixture {
	t.Helper()
	ctx := context.Background()
	var f mailFixture
	var owner *string
	if !anonymous {
		err := d.DB.QueryRow(ctx, `INSERT INTO users (email, password_hash)
			VALUES ('owner@example.com', 'x') RETURNING id`).Scan(&f.userID)
		if err != nil {
			t.Fatal(err)
		}
		owner = &f.userID
	}
	err := d.DB.QueryRow(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
		VALUES ($1, $2, 2048, decode(repeat('ab', 32), 'hex'), 'text/plain', gen_random_uuid()::text)
		RETURNING id`, owner, name).Scan(&f.fileID)
	if err != nil {
		t.Fatal(err)
	}
	err = d.DB.QueryRow(ctx, `INSERT INTO shares (owner_id, token, expires_at, max_downloads, downloads, notify)
		VALUES ($1, 'tok' || md5(random()::text), now() + interval '1 day', 5, 2, true)
		RETURNING id`, owner).Scan(&f.shareID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB.Exec(ctx, `INSERT INTO share_files (share_id, file_id, position) VALUES ($1, $2, 0)`,
		f.shareID, f.fileID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f mailFixture) args(at time.Time) DownloadMailArgs {
	return DownloadMailArgs{ShareID: f.shareID, FileID: f.fileID, At: at}
}

// mailDeps are Deps with a database and a log, and no mail server.
func mailDeps(t *testing.T, log io.Writer) *Deps {
	t.Helper()
	return &Deps{DB: dbtest.Pool(t), Log: slog.New(slog.NewJSONHandler(log, nil)),
		Settings: Settings{PublicURL: "https://ferry.example/"}}
}

// sendOverSMTP runs one download mail job for a file named name through a
// real SMTP server and returns what the server received.
func sendOverSMTP(t *testing.T, name string) (received, mailFixture) {
	t.Helper()
	d := mailDeps(t, io.Discard)
	srv, smtpURL := startSMTP(t)
	sender, err := mail.New(smtpURL, "Ferry <ferry@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	d.Mail = sender
	f := addMailShare(t, d, name, false)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	work(t, d, &mailWorker{d: d}, f.args(at))
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d mails, want 1", len(got))
	}
	return got[0], f
}

func TestDownloadMail(t *testing.T) {
	t.Parallel()
	name := "<script>alert(1)</script>.txt"
	got, _ := sendOverSMTP(t, name)
	if got.from != "ferry@example.com" || !slices.Equal(got.to, []string{"owner@example.com"}) {
		t.Errorf("envelope from %q to %q, want ferry@example.com to the owner", got.from, got.to)
	}
	msg := parse(t, got.data)
	if to := msg.header.Get("To"); to != "<owner@example.com>" {
		t.Errorf("To: %q", to)
	}
	if want := "Downloaded: " + name; msg.subject != want {
		t.Errorf("Subject: %q, want %q", msg.subject, want)
	}
	link := "https://ferry.example/s/tok"
	for _, want := range []string{name + " (2.0 KiB)", "04:06:07 UTC", "2 of 5 downloads", link} {
		if !strings.Contains(msg.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, msg.text)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;.txt", "04:06:07 UTC", "2 of 5 downloads", `href="` + link} {
		if !strings.Contains(msg.html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, msg.html)
		}
	}
	if strings.Contains(msg.html, "<script>") {
		t.Errorf("HTML part holds the file name unescaped:\n%s", msg.html)
	}
}

func TestDownloadMailSubjectInjection(t *testing.T) {
	t.Parallel()
	got, _ := sendOverSMTP(t, "a.txt\r\nBcc: x@y")
	if !slices.Equal(got.to, []string{"owner@example.com"}) {
		t.Errorf("mail went to %q, want only the owner", got.to)
	}
	msg := parse(t, got.data)
	if _, ok := msg.header["Bcc"]; ok {
		t.Errorf("the file name added a Bcc header:\n%s", got.data)
	}
	if strings.ContainsAny(msg.subject, "\r\n") || !strings.HasPrefix(msg.subject, "Downloaded: a.txt") {
		t.Errorf("Subject: %q, want one line", msg.subject)
	}
	if strings.Contains(msg.text, "\nBcc:") {
		t.Errorf("the file name started a line of the text:\n%s", msg.text)
	}
}

func TestDownloadMailWithoutSMTP(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	d := mailDeps(t, &log)
	f := addMailShare(t, d, "a.txt", false)
	work(t, d, &mailWorker{d: d}, f.args(time.Now()))
	line := log.String()
	for _, want := range []string{`"level":"INFO"`, "download mail not sent: SMTP_URL is not set",
		`"share_id":"` + f.shareID, `"file_id":"` + f.fileID, `"user_id":"` + f.userID} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %s: %s", want, line)
		}
	}
	if strings.Contains(line, "owner@example.com") {
		t.Errorf("log holds the address: %s", line)
	}
}

// mailerFunc is a Mailer made of a function.
type mailerFunc func(ctx context.Context, to, subject, text, html string) error

func (f mailerFunc) Send(ctx context.Context, to, subject, text, html string) error {
	return f(ctx, to, subject, text, html)
}

func TestDownloadMailNoOneToTell(t *testing.T) {
	t.Parallel()
	exec := func(q string) func(*testing.T, *Deps, mailFixture) {
		return func(t *testing.T, d *Deps, f mailFixture) {
			if _, err := d.DB.Exec(context.Background(), q, f.shareID, f.fileID); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name      string
		anonymous bool
		change    func(*testing.T, *Deps, mailFixture)
		args      func(mailFixture) DownloadMailArgs
	}{
		{name: "share deleted", change: exec(`DELETE FROM shares WHERE id = $1 AND $2::uuid IS NOT NULL`)},
		{name: "file deleted", change: exec(`DELETE FROM files WHERE id = $2 AND $1::uuid IS NOT NULL`)},
		{name: "file left the share", change: exec(`DELETE FROM share_files WHERE share_id = $1 AND file_id = $2`)},
		{name: "notices turned off", change: exec(`UPDATE shares SET notify = false WHERE id = $1 AND $2::uuid IS NOT NULL`)},
		{name: "anonymous share", anonymous: true},
		{name: "malformed ids", args: func(f mailFixture) DownloadMailArgs {
			return DownloadMailArgs{ShareID: "../" + f.shareID, FileID: f.fileID}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mailDeps(t, io.Discard)
			d.Mail = mailerFunc(func(context.Context, string, string, string, string) error {
				t.Error("mail sent to no one's address")
				return nil
			})
			f := addMailShare(t, d, "a.txt", tt.anonymous)
			if tt.change != nil {
				tt.change(t, d, f)
			}
			args := f.args(time.Now())
			if tt.args != nil {
				args = tt.args(f)
			}
			work(t, d, &mailWorker{d: d}, args)
		})
	}
}

// TestDownloadMailSendFails checks that a failed send fails the job, so
// River tries again.
func TestDownloadMailSendFails(t *testing.T) {
	t.Parallel()
	d := mailDeps(t, io.Discard)
	down := errors.New("451 try again later")
	d.Mail = mailerFunc(func(context.Context, string, string, string, string) error { return down })
	f := addMailShare(t, d, "a.txt", false)
	job := &river.Job[DownloadMailArgs]{JobRow: &rivertype.JobRow{CreatedAt: time.Now()}, Args: f.args(time.Time{})}
	if err := (&mailWorker{d: d}).Work(context.Background(), job); !errors.Is(err, down) {
		t.Errorf("Work = %v, want the send error", err)
	}
}
