package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/webhook"
)

// verifyStandardWebhook checks a request the way a Standard Webhooks
// receiver does, written from the specification and not from Ferry's
// signer: the secret is whsec_ and the key in base64; the signed content
// is "webhook-id.webhook-timestamp.body"; webhook-signature holds
// space-separated "v1,<base64 HMAC-SHA256>" entries, one of which must
// match; and the timestamp must be within five minutes of now.
func verifyStandardWebhook(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return errors.New("secret is not whsec_ and base64")
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("a webhook header is missing")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not integer seconds")
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("webhook-timestamp is outside the tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	want := mac.Sum(nil)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// receiver is a real HTTP endpoint that verifies every request and
// answers 500 to the first fails of them, then 204.
type receiver struct {
	secret string
	fails  int
	mu     sync.Mutex
	got    []delivered
}

type delivered struct {
	id     string
	body   []byte
	status int
	err    error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	d := delivered{id: r.Header.Get("webhook-id"), body: body, err: verifyStandardWebhook(rc.secret, r.Header, body), status: http.StatusNoContent}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		d.err = errors.New("not a JSON POST")
	}
	if len(rc.got) < rc.fails {
		d.status = http.StatusInternalServerError
	}
	rc.got = append(rc.got, d)
	w.WriteHeader(d.status)
	_, _ = w.Write([]byte("a body Ferry must not keep"))
}

func (rc *receiver) deliveries() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivered(nil), rc.got...)
}

// webhookDeps are jobs' deps with a sender that may reach the loopback
// receiver, and retries a few milliseconds apart.
func webhookDeps(t *testing.T) *Deps {
	t.Helper()
	s := webhook.NewSender(webhook.Guard{AllowPrivate: true}, 5*time.Second)
	t.Cleanup(s.Close)
	return &Deps{DB: dbtest.Pool(t), Log: slog.New(slog.DiscardHandler), Webhooks: s,
		Settings: Settings{PublicURL: "https://ferry.example", WebhookRetryBase: 20 * time.Millisecond, WebhookDisableAfter: time.Hour}}
}

// addEndpoint makes a user with an endpoint at url subscribed to every
// event; it returns the endpoint and its whsec_ secret.
func addEndpoint(t *testing.T, d *Deps, url string) (webhook.Endpoint, string) {
	t.Helper()
	var userID string
	err := d.DB.QueryRow(context.Background(), `INSERT INTO users (email, password_hash)
		VALUES (gen_random_uuid() || '@example.com', 'x') RETURNING id`).Scan(&userID)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := webhook.Create(context.Background(), d.DB, userID, url, webhook.Types)
	if err != nil {
		t.Fatal(err)
	}
	return ep, webhook.Secret(ep.Key)
}

// TestWebhookRetriedAndSigned: a receiver that fails twice, then takes
// the event, gets three signed attempts with one webhook-id and one body,
// and the delivery log shows the three, 500, 500, 204, with their
// latencies; nothing of the answers' bodies is kept.
func TestWebhookRetriedAndSigned(t *testing.T) {
	d := webhookDeps(t)
	rc := &receiver{fails: 2}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	ep, secret := addEndpoint(t, d, srv.URL+"/hook")
	rc.secret = secret
	ctx := context.Background()

	runner, err := NewRunner(d, RunnerOptions{Concurrency: 2, ThumbnailConcurrency: 1, JobTimeout: time.Minute, RescueAfter: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = runner.Stop(stopCtx)
	})
	ev := webhook.Event{Type: webhook.FileUploaded, Data: webhook.FileData{FileID: "f1", Name: "report.pdf", Size: 42}}
	var msgs []string
	err = pgx.BeginFunc(ctx, d.DB, func(tx pgx.Tx) error {
		msgs, err = QueueWebhooks(ctx, runner, tx, []webhook.Endpoint{ep}, ev)
		return err
	})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("queue: %v %v", msgs, err)
	}

	log := waitForLog(t, d, ep, 3)
	got := rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for i, g := range got {
		if g.err != nil {
			t.Errorf("attempt %d: %v", i+1, g.err)
		}
		if g.id != msgs[0] || string(g.body) != string(got[0].body) {
			t.Errorf("attempt %d: id %s body %s; want the same id %s and body every time", i+1, g.id, g.body, msgs[0])
		}
	}
	var body struct {
		Type      string           `json:"type"`
		Timestamp time.Time        `json:"timestamp"`
		Data      webhook.FileData `json:"data"`
	}
	if err := json.Unmarshal(got[0].body, &body); err != nil || body.Type != webhook.FileUploaded ||
		body.Data.Name != "report.pdf" || time.Since(body.Timestamp) > time.Minute {
		t.Errorf("body %s: %+v %v", got[0].body, body, err)
	}
	for i, want := range []int{500, 500, 204} {
		l := log[len(log)-1-i] // the log is newest first
		if l.Attempt != i+1 || l.Status != want || l.MessageID != msgs[0] || l.Event != webhook.FileUploaded {
			t.Errorf("log entry %d = %+v, want attempt %d status %d", i, l, i+1, want)
		}
	}
	t.Logf("delivery log: %+v", log)
	// The success is recorded just after its attempt is logged.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var failing *time.Time
		if err := d.DB.QueryRow(ctx, `SELECT failing_since FROM webhooks WHERE id = $1`, ep.ID).Scan(&failing); err != nil {
			t.Fatal(err)
		}
		if failing == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failing_since after a success = %v", failing)
		}
	}
}

// waitForLog waits until ep's log holds n attempts, and returns it.
func waitForLog(t *testing.T, d *Deps, ep webhook.Endpoint, n int) []webhook.Delivery {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		log, err := webhook.Deliveries(context.Background(), d.DB, ep.UserID, ep.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) >= n {
			return log
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d attempts logged in time: %+v", len(log), n, log)
		}
	}
}

func TestWebhookBackoff(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for attempt := 1; attempt < WebhookAttempts; attempt++ {
		total += webhookBackoff(attempt, defaultWebhookRetryBase)
	}
	if total < 24*time.Hour || total > 48*time.Hour {
		t.Errorf("%d attempts span %s; want at least a day, at most two", WebhookAttempts, total)
	}
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, 30 * time.Second}, {2, 90 * time.Second}, {3, 270 * time.Second}, {7, 6 * time.Hour}, {11, 6 * time.Hour}} {
		t.Run(strconv.Itoa(tc.attempt), func(t *testing.T) {
			if got := webhookBackoff(tc.attempt, defaultWebhookRetryBase); got != tc.want {
				t.Errorf("backoff after attempt %d = %s, want %s", tc.attempt, got, tc.want)
			}
		})
	}
}

// TestWebhookDisabledAfterFailing: an endpoint failing for longer than
// WebhookDisableAfter is disabled by its next failed attempt, which stops
// retrying and queues the mail to its owner; the mail names the URL, and
// later events are not sent to it.
func TestWebhookDisabledAfterFailing(t *testing.T) {
	d := webhookDeps(t)
	rc := &receiver{fails: 1000}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	ep, secret := addEndpoint(t, d, srv.URL+"/down")
	rc.secret = secret
	ctx := context.Background()
	if _, err := d.DB.Exec(ctx, `UPDATE webhooks SET failing_since = now() - interval '2 hours' WHERE id = $1`, ep.ID); err != nil {
		t.Fatal(err)
	}
	tw := rivertest.NewWorker(t, riverpgxv5.New(d.DB), &river.Config{}, river.Worker[WebhookArgs](&webhookWorker{d: d}))
	args := WebhookArgs{WebhookID: ep.ID, MessageID: webhook.NewMessageID(), Event: webhook.ShareExpired, Body: `{"type":"share.expired"}`}
	var res *rivertest.WorkResult
	err := pgx.BeginFunc(ctx, d.DB, func(tx pgx.Tx) error {
		var err error
		res, err = tw.Work(ctx, t, tx, args, nil)
		return err
	})
	if err != nil || res == nil || res.EventKind != river.EventKindJobCancelled {
		t.Fatalf("a failure past the limit: %+v, %v; want the job cancelled", res, err)
	}
	after, err := webhook.ByID(ctx, d.DB, ep.ID)
	if err != nil || after.DisabledAt == nil {
		t.Fatalf("endpoint after: %+v %v", after, err)
	}
	var mails int
	if err := d.DB.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'webhook_disabled_mail' AND args->>'webhook_id' = $1`, ep.ID).Scan(&mails); err != nil || mails != 1 {
		t.Fatalf("disabled mails queued: %d %v", mails, err)
	}

	var sent []string
	d.Mail = mailerFunc(func(_ context.Context, to, subject, text, _ string) error {
		sent = append(sent, to+"|"+subject+"|"+text)
		return nil
	})
	work(t, d, river.Worker[WebhookDisabledMailArgs](&webhookMailWorker{d: d}), WebhookDisabledMailArgs{WebhookID: ep.ID})
	if len(sent) != 1 || !strings.Contains(sent[0], srv.URL+"/down") || !strings.Contains(sent[0], "Webhook disabled") {
		t.Fatalf("mail: %q", sent)
	}

	before := len(rc.deliveries())
	work(t, d, river.Worker[WebhookArgs](&webhookWorker{d: d}), args)
	if n := len(rc.deliveries()); n != before {
		t.Errorf("a disabled endpoint got %d more requests", n-before)
	}
	eps, err := webhook.Subscribed(ctx, d.DB, ep.UserID, webhook.ShareExpired)
	if err != nil || len(eps) != 0 {
		t.Errorf("a disabled endpoint is still subscribed: %v %v", eps, err)
	}
}

// TestPurgeTellsExpiredShares: the purge queues share.expired once for a
// share that has just expired, to its owner's endpoint, and not again.
func TestPurgeTellsExpiredShares(t *testing.T) {
	d := webhookDeps(t)
	ctx := context.Background()
	ep, _ := addEndpoint(t, d, "https://hooks.example.com/ferry")
	var shareID string
	err := d.DB.QueryRow(ctx, `INSERT INTO shares (owner_id, token, expires_at) VALUES ($1, gen_random_uuid(), now() - interval '1 minute') RETURNING id`, ep.UserID).Scan(&shareID)
	if err != nil {
		t.Fatal(err)
	}
	d.Settings.PurgeAfter = time.Hour
	for range 2 {
		work(t, d, river.Worker[PurgeArgs](&purgeWorker{d: d}), PurgeArgs{})
	}
	rows, err := d.DB.Query(ctx, `SELECT args->>'webhook_id', args->>'body' FROM river_job WHERE kind = 'webhook_delivery'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var bodies []string
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil || id != ep.ID {
			t.Fatalf("delivery for %s: %v", id, err)
		}
		bodies = append(bodies, body)
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"type":"share.expired"`) || !strings.Contains(bodies[0], shareID) {
		t.Fatalf("share.expired deliveries queued: %q", bodies)
	}
}

// TestWebhookTestEventEnables: a test event reaches even a disabled
// endpoint and, taken, enables it again; a failed one is not retried.
func TestWebhookTestEventEnables(t *testing.T) {
	d := webhookDeps(t)
	rc := &receiver{fails: 1}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	ep, secret := addEndpoint(t, d, srv.URL+"/back")
	rc.secret = secret
	ctx := context.Background()
	if _, err := d.DB.Exec(ctx, `UPDATE webhooks SET disabled_at = now(), failing_since = now() - interval '6 days' WHERE id = $1`, ep.ID); err != nil {
		t.Fatal(err)
	}
	tw := rivertest.NewWorker(t, riverpgxv5.New(d.DB), &river.Config{}, river.Worker[WebhookArgs](&webhookWorker{d: d}))
	for i, want := range []river.EventKind{river.EventKindJobCancelled, river.EventKindJobCompleted} {
		args := WebhookArgs{WebhookID: ep.ID, MessageID: webhook.NewMessageID(), Event: webhook.Test, Body: `{"type":"webhook.test"}`}
		err := pgx.BeginFunc(ctx, d.DB, func(tx pgx.Tx) error {
			res, err := tw.Work(ctx, t, tx, args, nil)
			if err == nil && res.EventKind != want {
				t.Errorf("test event %d: %s, want %s", i+1, res.EventKind, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	after, err := webhook.ByID(ctx, d.DB, ep.ID)
	if err != nil || after.DisabledAt != nil || after.FailingSince != nil {
		t.Fatalf("after a test event got through: %+v %v", after, err)
	}
	if got := rc.deliveries(); len(got) != 2 || got[1].err != nil {
		t.Fatalf("receiver: %+v", got)
	}
}
