package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferryhq/ferry/internal/health"
)

var (
	readyDesc = prometheus.NewDesc("ferry_ready", "1 while the process would answer /ready with 200, else 0.", nil, nil)
	checkDesc = prometheus.NewDesc("ferry_check_up", "1 while a readiness check passes (database, redis, object_storage, schema), else 0.", []string{"check"}, nil)
)

// readiness reports /ready's answer and each check's at scrape time; the
// checks run at most once a second however often they are asked.
type readiness struct{ r *health.Readiness }

// RegisterReadiness adds the readiness series of r to reg.
func RegisterReadiness(reg prometheus.Registerer, r *health.Readiness) {
	reg.MustRegister(readiness{r})
}

func (c readiness) Describe(ch chan<- *prometheus.Desc) { ch <- readyDesc; ch <- checkDesc }

func (c readiness) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ready, checks := c.r.Status(ctx)
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, boolValue(ready))
	for name, ok := range checks {
		ch <- prometheus.MustNewConstMetric(checkDesc, prometheus.GaugeValue, boolValue(ok), name)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
