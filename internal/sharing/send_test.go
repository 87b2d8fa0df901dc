package sharing_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
)

// TestShareReceived: files received through a request are shared on by
// its owner only, and only files received through that request.
func TestShareReceived(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1000)
	q := newRequest(t, s, u, 0, 0)
	f, err := s.ReceiveFile(ctx, q, filerequest.Uploader{Name: "Ann"}, "scan.pdf", strings.NewReader("alpha"), 5)
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := s.Upload(ctx, u, "mine.txt", strings.NewReader("mine"), 4, share.Options{ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	stranger := account.User{ID: "00000000-0000-0000-0000-000000000000"}
	opts := share.Options{ExpiresIn: time.Hour, MaxDownloads: 2}
	tests := []struct {
		name  string
		owner account.User
		ids   []string
		want  error
	}{
		{"a stranger", stranger, []string{f.ID}, filerequest.ErrNotFound},
		{"a file not received through it", u, []string{f.ID, own.ID}, share.ErrUnknownFile},
		{"the owner", u, []string{f.ID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := s.ShareReceived(ctx, tt.owner, q.ID, tt.ids, opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if err == nil && (sh.MaxDownloads != 2 || !sh.Live()) {
				t.Errorf("share %+v", sh)
			}
		})
	}
}

// TestSendShareNeedsMail: without SMTP_URL nothing is sent, and with it an
// ended link is refused.
func TestSendShareNeedsMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1000)
	_, sh, err := s.Upload(ctx, u, "a.txt", strings.NewReader("a"), 1, share.Options{ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m := share.Send{To: []string{"ann@example.com"}}
	if err := s.SendShare(ctx, u, sh.ID, m); !errors.Is(err, sharing.ErrMailOff) {
		t.Errorf("without mail: %v", err)
	}
	s.Settings.Mail = true
	if err := s.SendShare(ctx, u, sh.ID, m); err != nil {
		t.Errorf("a live link: %v", err)
	}
	if err := s.SendShare(ctx, account.User{ID: "00000000-0000-0000-0000-000000000000"}, sh.ID, m); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a stranger's: %v", err)
	}
	if err := s.EndShare(ctx, u, sh.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SendShare(ctx, u, sh.ID, m); !errors.Is(err, share.ErrNotFound) && !errors.Is(err, share.ErrGone) {
		t.Errorf("an ended link: %v", err)
	}
}
