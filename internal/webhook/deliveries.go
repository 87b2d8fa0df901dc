package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/ferryhq/ferry/internal/postgres"
)

// Delivery is one attempt to deliver one event to one endpoint.
type Delivery struct {
	ID        int64
	WebhookID string
	MessageID string // webhook-id, the same for every attempt of an event
	Event     string
	Attempt   int
	Status    int    // the HTTP status answered; 0: no answer
	Error     string // without an answer: timeout, private_address or unreachable
	Latency   time.Duration
	At        time.Time
}

// OK says whether the endpoint took the event.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// Record logs one attempt.
func Record(ctx context.Context, db postgres.DB, d Delivery) error {
	var status *int
	if d.Status != 0 {
		status = &d.Status
	}
	_, err := db.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, message_id, event, attempt, status, error, latency_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.WebhookID, d.MessageID, d.Event, d.Attempt, status, d.Error, d.Latency.Milliseconds())
	if err != nil {
		return fmt.Errorf("record webhook delivery: %w", postgres.Classify(err))
	}
	return nil
}

// Deliveries is the newest limit attempts to reach userID's endpoint id,
// newest first; another user's endpoint is ErrNotFound.
func Deliveries(ctx context.Context, db postgres.DB, userID, id string, limit int) ([]Delivery, error) {
	if _, err := Get(ctx, db, userID, id); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT id, webhook_id, message_id, event, attempt, coalesce(status, 0), error, latency_ms, created_at
		FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var ms int64
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.MessageID, &d.Event, &d.Attempt, &d.Status, &d.Error, &ms, &d.At); err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		d.Latency = time.Duration(ms) * time.Millisecond
		out = append(out, d)
	}
	return out, rows.Err()
}

// PurgeDeliveries deletes the log of attempts made before cutoff.
func PurgeDeliveries(ctx context.Context, db postgres.DB, cutoff time.Time) error {
	if _, err := db.Exec(ctx, `DELETE FROM webhook_deliveries WHERE created_at < $1`, cutoff); err != nil {
		return fmt.Errorf("purge webhook deliveries: %w", err)
	}
	return nil
}
