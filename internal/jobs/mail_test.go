package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/mail"
	"github.com/ferryhq/ferry/internal/mailtest"
)

// addNotifyShare makes an owner, a file with a hostile name and a share.
func addNotifyShare(t *testing.T, d *Deps, name string) (shareID, fileID string) {
	t.Helper()
	ctx := context.Background()
	var userID string
	if err := d.DB.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ('owner@example.com', 'x') RETURNING id`).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	_ = d.DB.QueryRow(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
		VALUES ($1, $2, 2048, decode(repeat('ab', 32), 'hex'), 'text/plain', 'files/m') RETURNING id`, userID, name).Scan(&fileID)
	_ = d.DB.QueryRow(ctx, `INSERT INTO shares (owner_id, token, expires_at, max_downloads, downloads, notify)
		VALUES ($1, 'tok123', now() + interval '1 day', 5, 2, true) RETURNING id`, userID).Scan(&shareID)
	if _, err := d.DB.Exec(ctx, `INSERT INTO share_files VALUES ($1, $2, 1)`, shareID, fileID); err != nil {
		t.Fatal(err)
	}
	return shareID, fileID
}

func TestDownloadMail(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	sink, url := mailtest.Start(t)
	sender, err := mail.New(url, "Ferry <ferry@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	d.Mail, d.Settings.PublicURL = sender, "https://ferry.example"
	shareID, fileID := addNotifyShare(t, d, "<script>alert(1)</script>\r\nBcc: x@evil.example.txt")
	work(t, d, &mailWorker{d: d}, DownloadMailArgs{ShareID: shareID, FileID: fileID, At: time.Now()})
	msg := sink.All()
	for _, want := range []string{"To: <owner@example.com>", "Subject: Downloaded:", "text/plain", "text/html", "&lt;script&gt;", "2 of 5 downloads", "https://ferry.example/s/tok123"} {
		if !strings.Contains(msg, want) {
			t.Errorf("mail lacks %q:\n%s", want, msg)
		}
	}
	headers, _, _ := strings.Cut(msg, "\r\n\r\n")
	if strings.Contains("\n"+headers, "\nBcc:") || strings.Contains(msg, "<script>alert(1)</script></strong>") {
		t.Errorf("hostile name reached the headers or unescaped HTML:\n%s", msg)
	}
}

func TestDownloadMailWithoutSMTPOrShare(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	shareID, fileID := addNotifyShare(t, d, "a.txt")
	work(t, d, &mailWorker{d: d}, DownloadMailArgs{ShareID: shareID, FileID: fileID})                // no SMTP_URL: logged, done
	work(t, d, &mailWorker{d: d}, DownloadMailArgs{ShareID: "00000000-0000-0000-0000-000000000000"}) // gone: done
}
