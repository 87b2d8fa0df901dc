package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/postgres"
)

// Endpoint is one of a user's webhooks.
type Endpoint struct {
	ID           string
	UserID       string
	URL          string
	Events       []string
	Key          []byte     // the signing key; its whsec_ form is shown once
	FailingSince *time.Time // nil: the last attempt succeeded, or none was made
	DisabledAt   *time.Time // nil: enabled
	CreatedAt    time.Time
}

const columns = "w.id, w.user_id, w.url, w.events, w.secret, w.failing_since, w.disabled_at, w.created_at"

func scan(row pgx.Row) (Endpoint, error) {
	var e Endpoint
	err := row.Scan(&e.ID, &e.UserID, &e.URL, &e.Events, &e.Key, &e.FailingSince, &e.DisabledAt, &e.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Endpoint{}, ErrNotFound
	}
	return e, err
}

func scanAll(rows pgx.Rows, err error) ([]Endpoint, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Endpoint{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Create adds an endpoint of userID's with a new signing key. The URL and
// events must have been checked (Guard.CheckURL, ParseEvents). A user
// with MaxPerUser endpoints gets ErrTooMany.
func Create(ctx context.Context, db postgres.DB, userID, url string, events []string) (Endpoint, error) {
	if !ids.Valid(userID) {
		return Endpoint{}, ErrNotFound
	}
	key, err := newKey()
	if err != nil {
		return Endpoint{}, err
	}
	e, err := scan(db.QueryRow(ctx, `INSERT INTO webhooks AS w (user_id, url, events, secret)
		SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM webhooks WHERE user_id = $1) < $5
		RETURNING `+columns, userID, url, events, key, MaxPerUser))
	if errors.Is(err, ErrNotFound) {
		return Endpoint{}, ErrTooMany
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("create webhook: %w", postgres.Classify(err))
	}
	return e, nil
}

// List is userID's endpoints, oldest first.
func List(ctx context.Context, db postgres.DB, userID string) ([]Endpoint, error) {
	out, err := scanAll(db.Query(ctx, `SELECT `+columns+` FROM webhooks w WHERE w.user_id = $1 ORDER BY w.created_at, w.id`, userID))
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// Get is userID's endpoint id; another user's is ErrNotFound.
func Get(ctx context.Context, db postgres.DB, userID, id string) (Endpoint, error) {
	if !ids.Valid(id) {
		return Endpoint{}, ErrNotFound
	}
	e, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM webhooks w WHERE w.id = $1 AND w.user_id = $2`, id, userID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Endpoint{}, fmt.Errorf("get webhook: %w", err)
	}
	return e, err
}

// ByID is the endpoint id whoever owns it, for the delivery job.
func ByID(ctx context.Context, db postgres.DB, id string) (Endpoint, error) {
	if !ids.Valid(id) {
		return Endpoint{}, ErrNotFound
	}
	e, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM webhooks w WHERE w.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Endpoint{}, fmt.Errorf("get webhook: %w", err)
	}
	return e, err
}

// Delete removes userID's endpoint id and its log; another user's is
// ErrNotFound. Deliveries still queued find it gone and stop.
func Delete(ctx context.Context, db postgres.DB, userID, id string) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	tag, err := db.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Subscribed is userID's enabled endpoints subscribed to event.
func Subscribed(ctx context.Context, db postgres.DB, userID, event string) ([]Endpoint, error) {
	if userID == "" {
		return nil, nil // an anonymous upload has no one to tell
	}
	out, err := scanAll(db.Query(ctx, `SELECT `+columns+` FROM webhooks w
		WHERE w.user_id = $1 AND $2 = ANY (w.events) AND w.disabled_at IS NULL`, userID, event))
	if err != nil {
		return nil, fmt.Errorf("subscribed webhooks: %w", err)
	}
	return out, nil
}

// SubscribedToShare is Subscribed for the owner of share shareID.
func SubscribedToShare(ctx context.Context, db postgres.DB, shareID, event string) ([]Endpoint, error) {
	out, err := scanAll(db.Query(ctx, `SELECT `+columns+` FROM webhooks w JOIN shares s ON s.owner_id = w.user_id
		WHERE s.id = $1 AND $2 = ANY (w.events) AND w.disabled_at IS NULL`, shareID, event))
	if err != nil {
		return nil, fmt.Errorf("subscribed webhooks: %w", err)
	}
	return out, nil
}

// Succeeded ends the endpoint's run of failures; with enable (a test
// event got through) a disabled endpoint is enabled again.
func Succeeded(ctx context.Context, db postgres.DB, id string, enable bool) error {
	_, err := db.Exec(ctx, `UPDATE webhooks SET failing_since = NULL,
		disabled_at = CASE WHEN $2 THEN NULL ELSE disabled_at END
		WHERE id = $1 AND (failing_since IS NOT NULL OR ($2 AND disabled_at IS NOT NULL))`, id, enable)
	if err != nil {
		return fmt.Errorf("webhook succeeded: %w", err)
	}
	return nil
}

// Failed records a failed attempt: the run of failures starts now if none
// was under way, and an endpoint failing for disableAfter or longer is
// disabled. disabled is true only for the call that disabled it.
func Failed(ctx context.Context, db postgres.DB, id string, disableAfter time.Duration) (disabled bool, err error) {
	err = db.QueryRow(ctx, `UPDATE webhooks SET failing_since = coalesce(failing_since, now()),
		disabled_at = CASE WHEN disabled_at IS NULL AND coalesce(failing_since, now()) <= now() - make_interval(secs => $2)
			THEN now() ELSE disabled_at END
		WHERE id = $1 RETURNING coalesce(disabled_at = now(), false)`, id, disableAfter.Seconds()).Scan(&disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("webhook failed: %w", err)
	}
	return disabled, nil
}

// Owner is who an endpoint belongs to, for the mail that says it was
// disabled.
type Owner struct {
	UserID, Email, URL string
	FailingSince       *time.Time
}

// OwnerOf is the owner of endpoint id.
func OwnerOf(ctx context.Context, db postgres.DB, id string) (Owner, error) {
	var o Owner
	err := db.QueryRow(ctx, `SELECT u.id, u.email, w.url, w.failing_since FROM webhooks w JOIN users u ON u.id = w.user_id WHERE w.id = $1`, id).
		Scan(&o.UserID, &o.Email, &o.URL, &o.FailingSince)
	if errors.Is(err, pgx.ErrNoRows) {
		return Owner{}, ErrNotFound
	}
	if err != nil {
		return Owner{}, fmt.Errorf("webhook owner: %w", err)
	}
	return o, nil
}
