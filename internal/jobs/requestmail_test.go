package jobs

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/mail"
)

// addRequestFile inserts an owner, a request titled title (notify as
// given) and one file received through it from "Ann <script>".
func addRequestFile(t *testing.T, d *Deps, title string, notify bool) RequestMailArgs {
	t.Helper()
	ctx := context.Background()
	var user, request, file string
	if err := d.DB.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ('owner@example.com', 'x') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if err := d.DB.QueryRow(ctx, `INSERT INTO requests (owner_id, token, title, expires_at, notify)
		VALUES ($1, 'tok', $2, now() + interval '1 day', $3) RETURNING id`, user, title, notify).Scan(&request); err != nil {
		t.Fatal(err)
	}
	if err := d.DB.QueryRow(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
		VALUES ($1, 'scan.pdf', 2048, decode(repeat('ab', 32), 'hex'), 'application/pdf', 'files/k') RETURNING id`, user).Scan(&file); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB.Exec(ctx, `INSERT INTO request_files (request_id, file_id, uploader_name, note) VALUES ($1, $2, 'Ann <script>', 'first line
second line')`, request, file); err != nil {
		t.Fatal(err)
	}
	return RequestMailArgs{RequestID: request, FileIDs: []string{file}}
}

// TestRequestMail: one upload through a request mails its owner, over a
// real SMTP server, naming the files, the uploader and their note, with
// the uploader's words escaped in the HTML part and kept off the subject's
// line; a request that asked for no mail gets none.
func TestRequestMail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		title  string
		notify bool
		mails  int
	}{
		{"notify", "Tax scans\r\nBcc: x@y", true, 1},
		{"opted out", "Quiet", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mailDeps(t, io.Discard)
			srv, smtpURL := startSMTP(t)
			sender, err := mail.New(smtpURL, "Ferry <ferry@example.com>")
			if err != nil {
				t.Fatal(err)
			}
			d.Mail = sender
			args := addRequestFile(t, d, tt.title, tt.notify)
			work(t, d, &requestMailWorker{d: d}, args)
			got := srv.received()
			if len(got) != tt.mails {
				t.Fatalf("%d mails, want %d", len(got), tt.mails)
			}
			if tt.mails == 0 {
				return
			}
			if !slices.Equal(got[0].to, []string{"owner@example.com"}) {
				t.Errorf("mail to %q", got[0].to)
			}
			msg := parse(t, got[0].data)
			if _, ok := msg.header["Bcc"]; ok || !strings.HasPrefix(msg.subject, "Received 1 file(s): Tax scans") {
				t.Errorf("subject %q, header %v", msg.subject, msg.header)
			}
			for _, want := range []string{"scan.pdf (2.0 KiB)", "from Ann <script>", "first line\nsecond line", "https://ferry.example/requests/" + args.RequestID} {
				if !strings.Contains(strings.ReplaceAll(msg.text, "\r\n", "\n"), want) {
					t.Errorf("text lacks %q:\n%s", want, msg.text)
				}
			}
			if strings.Contains(msg.html, "<script>") || !strings.Contains(msg.html, "Ann &lt;script&gt;") {
				t.Errorf("HTML part does not escape the uploader's name:\n%s", msg.html)
			}
		})
	}
}
