package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/audit"
)

// defaultAuditRetention is AUDIT_RETENTION's default, for Deps built
// without it.
const defaultAuditRetention = 365 * 24 * time.Hour

type auditPurgeWorker struct {
	river.WorkerDefaults[AuditPurgeArgs]
	d *Deps
}

// Work deletes the audit events older than the retention.
func (w *auditPurgeWorker) Work(ctx context.Context, _ *river.Job[AuditPurgeArgs]) error {
	keep := w.d.Settings.AuditRetention
	if keep <= 0 {
		keep = defaultAuditRetention
	}
	n, err := audit.Purge(ctx, w.d.DB, time.Now().Add(-keep))
	if err == nil && n > 0 {
		w.d.Log.InfoContext(ctx, "audit events purged", "count", n)
	}
	return err
}
