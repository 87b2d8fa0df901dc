package sharing

import (
	"context"
	"encoding/hex"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/webhook"
)

// CreateWebhook adds an endpoint of owner's at url for events, after the
// SSRF guard has checked its host; the whsec_ secret is returned only
// here.
func (s *Service) CreateWebhook(ctx context.Context, owner account.User, url string, events []string) (webhook.Endpoint, string, error) {
	evs, err := webhook.ParseEvents(events)
	if err != nil {
		return webhook.Endpoint{}, "", err
	}
	u, err := s.Webhooks.CheckURL(ctx, strings.TrimSpace(url))
	if err != nil {
		return webhook.Endpoint{}, "", err
	}
	ep, err := webhook.Create(ctx, s.DB, owner.ID, u.String(), evs)
	if err != nil {
		return webhook.Endpoint{}, "", err
	}
	return ep, webhook.Secret(ep.Key), nil
}

// WebhookList is owner's endpoints.
func (s *Service) WebhookList(ctx context.Context, owner account.User) ([]webhook.Endpoint, error) {
	return webhook.List(ctx, s.DB, owner.ID)
}

// DeleteWebhook removes owner's endpoint id; another user's is not found.
func (s *Service) DeleteWebhook(ctx context.Context, owner account.User, id string) error {
	return webhook.Delete(ctx, s.DB, owner.ID, id)
}

// WebhookDeliveries is the newest limit attempts to reach owner's
// endpoint id, newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, owner account.User, id string, limit int) ([]webhook.Delivery, error) {
	return webhook.Deliveries(ctx, s.DB, owner.ID, id, limit)
}

// TestWebhook queues a webhook.test event to owner's endpoint id, even a
// disabled one (which it enables again if it gets through), and returns
// its webhook-id.
func (s *Service) TestWebhook(ctx context.Context, owner account.User, id string) (string, error) {
	var msg string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ep, err := webhook.Get(ctx, tx, owner.ID, id)
		if err != nil {
			return err
		}
		ev := webhook.Event{Type: webhook.Test, Data: webhook.TestData{WebhookID: ep.ID, Message: "a test event from Ferry"}}
		msgs, err := jobs.QueueWebhooks(ctx, s.Jobs, tx, []webhook.Endpoint{ep}, ev)
		if len(msgs) > 0 {
			msg = msgs[0]
		}
		return err
	})
	return msg, err
}

// Emit queues ev, in the caller's transaction, to every enabled endpoint
// of userID's subscribed to its type; an anonymous upload ("") has none.
// Every use case that makes an event true calls it in the transaction
// that does (file.uploaded in Batch.Commit, request.received where a
// request's upload commits).
func (s *Service) Emit(ctx context.Context, tx pgx.Tx, userID string, ev webhook.Event) error {
	if s.Jobs == nil || userID == "" {
		return nil
	}
	eps, err := webhook.Subscribed(ctx, tx, userID, ev.Type)
	if err != nil {
		return err
	}
	_, err = jobs.QueueWebhooks(ctx, s.Jobs, tx, eps, ev)
	return err
}

// emitUploaded queues file.uploaded for each file of a committed batch.
func (s *Service) emitUploaded(ctx context.Context, tx pgx.Tx, userID string, saved []files.File, sh share.Share) error {
	for _, f := range saved {
		data := webhook.FileData{FileID: f.ID, Name: f.Name, Size: f.Size, SHA256: hex.EncodeToString(f.SHA256), ShareID: sh.ID}
		if sh.Token != "" && s.Settings.PublicURL != "" {
			data.ShareURL = strings.TrimRight(s.Settings.PublicURL, "/") + "/s/" + sh.Token
		}
		if err := s.Emit(ctx, tx, userID, webhook.Event{Type: webhook.FileUploaded, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// emitReceived queues request.received for each file that came through
// the file request id, with what its uploader said.
func (s *Service) emitReceived(ctx context.Context, tx pgx.Tx, userID, id string, from filerequest.Uploader, saved []files.File) error {
	for _, f := range saved {
		data := webhook.RequestData{RequestID: id, FileID: f.ID, Name: f.Name, Size: f.Size, SHA256: hex.EncodeToString(f.SHA256), Uploader: from.Name, Note: from.Note}
		if err := s.Emit(ctx, tx, userID, webhook.Event{Type: webhook.RequestReceived, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// emitDownloaded queues share.downloaded for a whole download of one
// file, or of a share's zip. The download is already counted, so a
// failure is logged, not answered.
func (s *Service) emitDownloaded(ctx context.Context, shareID string, data webhook.DownloadData) {
	if s.Jobs == nil {
		return
	}
	ev := webhook.Event{Type: webhook.ShareDownloaded, Data: data}
	ctx = context.WithoutCancel(ctx)
	eps, err := webhook.SubscribedToShare(ctx, s.DB, shareID, webhook.ShareDownloaded)
	if err == nil && len(eps) > 0 { // most owners have none: no transaction for them
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			_, err := jobs.QueueWebhooks(ctx, s.Jobs, tx, eps, ev)
			return err
		})
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "enqueue share.downloaded webhooks", "share_id", shareID, "error", err.Error())
	}
}

// zipData is share.downloaded's data for a zip of fs.
func zipData(shareID string, fs []files.File) webhook.DownloadData {
	d := webhook.DownloadData{ShareID: shareID, Zip: true, Files: len(fs)}
	for _, f := range fs {
		d.Size += f.Size
	}
	return d
}
