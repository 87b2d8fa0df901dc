package jobs

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestJobSeriesStartAtZero: every kind's discarded and retried counts, the
// ones FerryJobFailures and FerryJobRetries read, exist at 0 before any job.
func TestJobSeriesStartAtZero(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	NewWorkMetrics(reg)
	var want strings.Builder
	want.WriteString("# HELP ferry_jobs_worked_total Job attempts by kind and outcome: completed, retried, discarded, cancelled, snoozed.\n# TYPE ferry_jobs_worked_total counter\n")
	n := 0
	for _, kind := range []string{"delete_objects", "download_mail", "expire_uploads", "orphan_sweep", "process_file", "purge", "webhook_delivery", "webhook_disabled_mail"} {
		for _, o := range []string{"cancelled", "completed", "discarded", "retried", "snoozed"} {
			want.WriteString(`ferry_jobs_worked_total{kind="` + kind + `",outcome="` + o + `"} 0` + "\n")
			n++
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want.String()), "ferry_jobs_worked_total"); err != nil {
		t.Errorf("%d series at 0 wanted: %v", n, err)
	}
}
