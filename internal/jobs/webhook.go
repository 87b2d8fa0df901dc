package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/webhook"
)

// WebhookArgs delivers one event to one endpoint. Body is the exact JSON
// every attempt sends and signs, kept as a string so that the queue's
// jsonb does not reorder it.
type WebhookArgs struct {
	WebhookID string `json:"webhook_id"`
	MessageID string `json:"message_id"`
	Event     string `json:"event"`
	Body      string `json:"body"`
}

// Kind names the job in the queue.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// WebhookAttempts is how often an event is tried: with the backoff of
// webhookBackoff from 30 s, the last attempt comes about 33 hours after
// the first, so an endpoint down for a day still gets it.
const WebhookAttempts = 12

// InsertOpts gives the delivery its attempts.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: WebhookAttempts}
}

// WebhookDisabledMailArgs tells an endpoint's owner it was disabled.
type WebhookDisabledMailArgs struct {
	WebhookID string `json:"webhook_id"`
}

// Kind names the job in the queue.
func (WebhookDisabledMailArgs) Kind() string { return "webhook_disabled_mail" }

// InsertOpts gives a mail server that is down a day of retries.
func (WebhookDisabledMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 20}
}

// Defaults of the webhook settings left zero.
const (
	defaultWebhookRetryBase    = 30 * time.Second
	defaultWebhookDisableAfter = 5 * 24 * time.Hour
	maxWebhookBackoff          = 6 * time.Hour
)

// webhookBackoff is the wait after the attempt-th failed attempt: base,
// then three times longer each time, at most six hours.
func webhookBackoff(attempt int, base time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxWebhookBackoff; i++ {
		d *= 3
	}
	return min(d, maxWebhookBackoff)
}

// QueueWebhooks queues ev for each of endpoints in the caller's
// transaction, so a delivery exists exactly when what it tells of was
// committed. The body and its webhook-id are made here, once.
func QueueWebhooks(ctx context.Context, c *Client, tx pgx.Tx, endpoints []webhook.Endpoint, ev webhook.Event) ([]string, error) {
	if c == nil || len(endpoints) == 0 {
		return nil, nil
	}
	body, err := ev.Body(time.Now())
	if err != nil {
		return nil, err
	}
	params := make([]river.InsertManyParams, 0, len(endpoints))
	msgs := make([]string, 0, len(endpoints))
	for _, ep := range endpoints {
		id := webhook.NewMessageID()
		msgs = append(msgs, id)
		params = append(params, river.InsertManyParams{
			Args:       WebhookArgs{WebhookID: ep.ID, MessageID: id, Event: ev.Type, Body: string(body)},
			InsertOpts: From(ctx),
		})
	}
	if _, err := c.InsertManyTx(ctx, tx, params); err != nil {
		return nil, fmt.Errorf("enqueue webhooks: %w", err)
	}
	return msgs, nil
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	d *Deps
}

// NextRetry backs off exponentially (webhookBackoff).
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(webhookBackoff(job.Attempt, cmp.Or(w.d.Settings.WebhookRetryBase, defaultWebhookRetryBase)))
}

// Timeout bounds an attempt; the sender's own timeout is shorter.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return 2 * time.Minute }

// Work makes one attempt and logs it. An endpoint deleted meanwhile, or
// disabled, takes nothing more; a test event is tried once. A failure
// that ends a run of failures as long as WEBHOOK_DISABLE_AFTER disables
// the endpoint and mails its owner.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	a := job.Args
	ep, err := webhook.ByID(ctx, w.d.DB, a.WebhookID)
	if errors.Is(err, webhook.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	test := a.Event == webhook.Test
	if ep.DisabledAt != nil && !test {
		return nil
	}
	if w.d.Webhooks == nil {
		return errors.New("webhook delivery: the worker has no sender")
	}
	res := w.d.Webhooks.Send(ctx, ep.URL, ep.Key, a.MessageID, []byte(a.Body))
	err = webhook.Record(ctx, w.d.DB, webhook.Delivery{WebhookID: ep.ID, MessageID: a.MessageID, Event: a.Event,
		Attempt: job.Attempt, Status: res.Status, Error: res.Error, Latency: res.Latency})
	if err != nil {
		return err
	}
	if res.OK() {
		return webhook.Succeeded(ctx, w.d.DB, ep.ID, test)
	}
	if test {
		return river.JobCancel(fmt.Errorf("test event not taken: %s", answerOf(res)))
	}
	if disabled, err := w.failed(ctx, ep.ID); err != nil || disabled {
		return cmp.Or(err, river.JobCancel(errors.New("webhook disabled after failing too long")))
	}
	return fmt.Errorf("webhook not taken: %s", answerOf(res))
}

// failed records the failure and, when it disables the endpoint, queues
// the owner's mail with it.
func (w *webhookWorker) failed(ctx context.Context, id string) (disabled bool, err error) {
	after := cmp.Or(w.d.Settings.WebhookDisableAfter, defaultWebhookDisableAfter)
	err = pgx.BeginFunc(ctx, w.d.DB, func(tx pgx.Tx) error {
		if disabled, err = webhook.Failed(ctx, tx, id, after); err != nil || !disabled {
			return err
		}
		c, err := river.ClientFromContextSafely[pgx.Tx](ctx)
		if err != nil {
			return fmt.Errorf("webhook disabled mail: %w", err)
		}
		_, err = c.InsertTx(ctx, tx, WebhookDisabledMailArgs{WebhookID: id}, From(ctx))
		return err
	})
	if errors.Is(err, webhook.ErrNotFound) {
		return true, nil // deleted meanwhile: nothing more to try
	}
	if err != nil {
		return false, err
	}
	if disabled {
		w.d.Log.WarnContext(ctx, "webhook disabled after failing too long", "webhook_id", id, "failing_for", after.String())
	}
	return disabled, nil
}

// answerOf is an attempt's result for an error message: the status, or
// why there was none.
func answerOf(r webhook.Result) string {
	if r.Status != 0 {
		return "status " + strconv.Itoa(r.Status)
	}
	return r.Error
}
