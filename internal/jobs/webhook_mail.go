package jobs

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/webhook"
)

type webhookMailWorker struct {
	river.WorkerDefaults[WebhookDisabledMailArgs]
	d *Deps
}

// Work mails the owner of a disabled endpoint. One deleted since has no
// one to tell.
func (w *webhookMailWorker) Work(ctx context.Context, job *river.Job[WebhookDisabledMailArgs]) error {
	o, err := webhook.OwnerOf(ctx, w.d.DB, job.Args.WebhookID)
	if errors.Is(err, webhook.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if w.d.Mail == nil {
		w.d.Log.InfoContext(ctx, "webhook disabled mail not sent: SMTP_URL is not set", "webhook_id", job.Args.WebhookID, "user_id", o.UserID)
		return nil
	}
	account := strings.TrimRight(w.d.Settings.PublicURL, "/") + "/account"
	text := fmt.Sprintf("Ferry stopped sending events to your webhook\n\n  %s\n\n"+
		"because every delivery to it has failed for %s. Its delivery log on your account page says what it answered:\n\n  %s\n\n"+
		"Once it works again, press \"Send test event\" there: when the test event arrives, the webhook is enabled again.\n",
		oneLine(o.URL), disableAfterText(w.d.Settings), account)
	page := "<p>Ferry stopped sending events to your webhook <code>" + html.EscapeString(oneLine(o.URL)) + "</code> because every delivery to it has failed for " +
		disableAfterText(w.d.Settings) + ".</p><p>Its delivery log is on <a href=\"" + html.EscapeString(account) + "\">your account page</a>. " +
		"Once it works again, press “Send test event” there: when the test event arrives, the webhook is enabled again.</p>"
	if err := w.d.Mail.Send(ctx, o.Email, "Webhook disabled: "+oneLine(hostOf(o.URL)), text, page); err != nil {
		return fmt.Errorf("webhook disabled mail: %w", err)
	}
	return nil
}

func disableAfterText(s Settings) string {
	d := s.WebhookDisableAfter
	if d == 0 {
		d = defaultWebhookDisableAfter
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.String()
}

func hostOf(raw string) string {
	if u, err := webhook.ParseURL(raw); err == nil {
		return u.Host
	}
	return raw
}
