package sharing_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/webhook"
)

// queuedEvents is the bodies of the webhook deliveries queued, by type.
func queuedEvents(t *testing.T, s *sharing.Service) map[string][]map[string]any {
	t.Helper()
	rows, err := s.DB.Query(context.Background(), `SELECT args->>'body' FROM river_job WHERE kind = 'webhook_delivery' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]map[string]any{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(raw), &body); err != nil {
			t.Fatal(err)
		}
		out[body["type"].(string)] = append(out[body["type"].(string)], body)
	}
	return out
}

// TestEventsEmitted: an upload queues file.uploaded in its commit, a
// whole download share.downloaded, each to the owner's subscribed
// endpoint only; a test event goes to the endpoint asked.
func TestEventsEmitted(t *testing.T) {
	s, u := setup(t, 0)
	c, err := jobs.NewInserter(s.DB.(*pgxpool.Pool), slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Jobs, s.Settings.PublicURL = c, "https://ferry.example"
	ctx := context.Background()
	ep, secret, err := s.CreateWebhook(ctx, u, "https://93.184.216.34/hook", []string{webhook.FileUploaded, webhook.ShareDownloaded})
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("create: %v %q", err, secret)
	}
	if _, _, err := s.CreateWebhook(ctx, u, "https://93.184.216.35/other", []string{webhook.ShareExpired}); err != nil {
		t.Fatal(err)
	}

	f, sh, err := s.Upload(ctx, u, "report.txt", strings.NewReader("hello"), 5, share.Options{ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	up := queuedEvents(t, s)[webhook.FileUploaded]
	if len(up) != 1 {
		t.Fatalf("file.uploaded queued %d times", len(up))
	}
	data := up[0]["data"].(map[string]any)
	if data["file_id"] != f.ID || data["name"] != "report.txt" || data["share_url"] != "https://ferry.example/s/"+sh.Token || data["size"] != 5.0 {
		t.Errorf("file.uploaded data %v", data)
	}

	d, err := s.Spend(ctx, sh.Token, f.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	s.Finish(ctx, d, d.Reserved, "198.51.100.7")
	dl := queuedEvents(t, s)[webhook.ShareDownloaded]
	if len(dl) != 1 || dl[0]["data"].(map[string]any)["share_id"] != sh.ID {
		t.Fatalf("share.downloaded queued: %v", dl)
	}

	z, err := s.SpendZip(ctx, sh.Token, false, true)
	if err != nil {
		t.Fatal(err)
	}
	_ = z.First.Close()
	dl = queuedEvents(t, s)[webhook.ShareDownloaded]
	if len(dl) != 2 || dl[1]["data"].(map[string]any)["zip"] != true || dl[1]["data"].(map[string]any)["files"] != 1.0 {
		t.Fatalf("share.downloaded for the zip: %v", dl)
	}

	msg, err := s.TestWebhook(ctx, u, ep.ID)
	if err != nil || !strings.HasPrefix(msg, "msg_") || len(queuedEvents(t, s)[webhook.Test]) != 1 {
		t.Fatalf("test event: %q %v", msg, err)
	}
	if all := queuedEvents(t, s); len(all) != 3 {
		t.Errorf("events queued: %v", all)
	}
}

// TestRequestReceivedEmitted: a file that comes through a file request
// queues request.received for its owner's endpoint, with what the
// uploader said, in the commit that receives it.
func TestRequestReceivedEmitted(t *testing.T) {
	s, u := setup(t, 0)
	c, err := jobs.NewInserter(s.DB.(*pgxpool.Pool), slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Jobs = c
	ctx := context.Background()
	if _, _, err := s.CreateWebhook(ctx, u, "https://93.184.216.34/hook", []string{webhook.RequestReceived}); err != nil {
		t.Fatal(err)
	}
	q := newRequest(t, s, u, 0, 0)
	f, err := s.ReceiveFile(ctx, q, filerequest.Uploader{Name: "Ann", Note: "the scans"}, "scan.pdf", strings.NewReader("alpha"), 5)
	if err != nil {
		t.Fatal(err)
	}
	got := queuedEvents(t, s)[webhook.RequestReceived]
	if len(got) != 1 {
		t.Fatalf("request.received queued %d times", len(got))
	}
	data := got[0]["data"].(map[string]any)
	if data["request_id"] != q.ID || data["file_id"] != f.ID || data["uploader"] != "Ann" || data["note"] != "the scans" || data["size"] != 5.0 {
		t.Errorf("request.received data %v", data)
	}
}
