package files

import (
	"context"
	"fmt"
	"time"
)

// PendingLifetime is how long a pending object is kept from the orphan
// sweep: longer than any upload may take. An upload's key is pending from
// before its first byte until its row commits; a process that dies in
// between leaves the row, which stops protecting the object after this.
const PendingLifetime = 48 * time.Hour

// Expect records that key is about to be written by an upload, before its
// first byte, so that the sweep leaves the object alone until the upload
// commits or gives up.
func Expect(ctx context.Context, db DB, key string) error {
	if _, err := db.Exec(ctx, `INSERT INTO pending_objects (key) VALUES ($1)`, key); err != nil {
		return fmt.Errorf("record pending object: %w", err)
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

// ForgetStalePending removes pending rows older than PendingLifetime,
// whose uploads died; the sweep deletes their objects as orphans.
func ForgetStalePending(ctx context.Context, db DB) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM pending_objects WHERE created_at < now() - $1::interval`, PendingLifetime)
	if err != nil {
		return 0, fmt.Errorf("forget stale pending objects: %w", err)
	}
	return tag.RowsAffected(), nil
}
