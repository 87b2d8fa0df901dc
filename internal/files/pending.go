package files

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoLongerPending is an upload whose object took longer than the
// sweep's grace to complete: its pending key was forgotten meanwhile, so
// the sweep may take the object, and the upload must give up. That
// happens when storage is slow or failing (the SDK's retries through an
// outage), so it is answered like a backing failure: 503, try again.
var ErrNoLongerPending = errors.New("the upload outlasted the orphan grace before its object was complete")

// Pending objects are the objects of uploads whose file rows are not
// committed yet. An upload names its key before its first byte (Expect),
// touches it while its body streams and again once its object is
// complete (Touch), then settles it in the
// transaction that writes the row (Settle). A pending row protects its
// object from the orphan sweep for the sweep's grace after its last
// touch, and the upload must commit within half of that grace of its
// object's completion or give up (sharing.Batch), so the sweep never
// deletes an object whose row is still coming, and a process that died
// leaves nothing that is kept longer than the grace.

// Expect records that key is about to be written by an upload, before its
// first byte.
func Expect(ctx context.Context, db DB, key string) error {
	if _, err := db.Exec(ctx, `INSERT INTO pending_objects (key) VALUES ($1)`, key); err != nil {
		return fmt.Errorf("record pending object: %w", err)
	}
	return nil
}

// Touch records that key's object is complete now; the grace of its
// protection starts again.
func Touch(ctx context.Context, db DB, key string) error {
	tag, err := db.Exec(ctx, `UPDATE pending_objects SET created_at = now() WHERE key = $1`, key)
	if err != nil {
		return fmt.Errorf("touch pending object: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("touch pending object %s: %w", key, ErrNoLongerPending)
	}
	return nil
}

// Settle forgets pending keys: in the transaction that writes their file
// rows, which protect the objects from then on, or once an upload that
// failed has deleted its objects.
func Settle(ctx context.Context, db DB, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := db.Exec(ctx, `DELETE FROM pending_objects WHERE key = ANY($1::text[])`, keys); err != nil {
		return fmt.Errorf("settle pending objects: %w", err)
	}
	return nil
}

// ForgetStalePending removes pending rows untouched for longer than grace,
// whose uploads died or gave up; the sweep deletes their objects as
// orphans.
func ForgetStalePending(ctx context.Context, db DB, grace time.Duration) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM pending_objects WHERE created_at < now() - $1::interval`, grace)
	if err != nil {
		return 0, fmt.Errorf("forget stale pending objects: %w", err)
	}
	return tag.RowsAffected(), nil
}
