package sharing

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

// ErrMailOff means this server sends no mail (SMTP_URL is not set), so a
// link cannot be sent by it; 409.
var ErrMailOff = errors.New("this server sends no mail (SMTP_URL is not set): copy the link and send it yourself")

// SendShare queues one mail per address of m with a link of owner's live
// share id and m's message, all in one transaction: either every
// recipient's mail is queued or none is. Another user's share is
// share.ErrNotFound, an ended one share.ErrGone. The mails hold the link,
// never the password.
func (s *Service) SendShare(ctx context.Context, owner account.User, id string, m share.Send) error {
	if !s.Settings.Mail {
		return ErrMailOff
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		l, err := share.Get(ctx, tx, owner.ID, id)
		if err != nil {
			return err
		}
		if !l.Live() {
			return share.ErrGone
		}
		for _, to := range m.To {
			if err := s.enqueue(ctx, tx, jobs.ShareMailArgs{ShareID: l.ID, OwnerID: owner.ID, To: to, Message: m.Message}); err != nil {
				return err
			}
		}
		return nil
	})
}

// MailsLinks reports whether SendShare can send links (SMTP_URL is set).
func (s *Service) MailsLinks() bool { return s.Settings.Mail }
