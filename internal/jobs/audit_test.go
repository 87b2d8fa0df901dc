package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/audit"
)

func TestAuditPurge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		retention time.Duration
		left      int // of events aged 1h, 2d and 400d
	}{
		{"default keeps a year", 0, 2},
		{"one day", 24 * time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps(t)
			d.Settings.AuditRetention = tc.retention
			ctx := context.Background()
			for _, age := range []string{"1 hour", "2 days", "400 days"} {
				if err := audit.Record(ctx, d.DB, audit.Event{Type: "login"}); err != nil {
					t.Fatal(err)
				}
				if _, err := d.DB.Exec(ctx, "UPDATE audit_events SET at = now() - $1::interval WHERE id = (SELECT max(id) FROM audit_events)", age); err != nil {
					t.Fatal(err)
				}
			}
			work(t, d, &auditPurgeWorker{d: d}, AuditPurgeArgs{})
			var n int
			if err := d.DB.QueryRow(ctx, "SELECT count(*) FROM audit_events").Scan(&n); err != nil || n != tc.left {
				t.Errorf("%d events left, want %d (%v)", n, tc.left, err)
			}
		})
	}
}
