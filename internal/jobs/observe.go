package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/otel/trace"
)

// middleware is what every client runs around inserts and work: the
// enqueuing request's id in the job's log context, spans when tracing is
// on (the job's span is linked to the request that
// enqueued it, through the traceparent in the job's metadata), and the
// worker's metrics when a registry is given.
func middleware(tp trace.TracerProvider, reg prometheus.Registerer) []rivertype.Middleware {
	mw := []rivertype.Middleware{&requestOf{}}
	if tp != nil {
		mw = append(mw, otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
			TracerProvider: tp, EnableTracePropagation: true, EnableWorkSpanJobKindSuffix: true,
		}))
	}
	if reg != nil {
		mw = append(mw, NewWorkMetrics(reg))
	}
	return mw
}

// workMetrics counts jobs worked by kind and outcome, and times them.
type workMetrics struct {
	river.MiddlewareDefaults
	worked   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewWorkMetrics registers the job series on reg and returns the worker
// middleware that records them.
func NewWorkMetrics(reg prometheus.Registerer) rivertype.Middleware {
	m := &workMetrics{
		worked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_jobs_worked_total", Help: "Job attempts by kind and outcome: completed, retried, discarded, cancelled, snoozed.",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ferry_job_duration_seconds", Help: "Time one job attempt took, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10),
		}, []string{"kind"}),
	}
	reg.MustRegister(m.worked, m.duration)
	// Every kind and outcome exists at 0 from the start, so the first
	// discarded or retried job is an increase the alerts see.
	for _, kind := range workedKinds {
		for _, o := range outcomes {
			m.worked.WithLabelValues(kind, o)
		}
	}
	return m
}

// workedKinds are the kinds Workers registers.
var workedKinds = []string{
	ProcessFileArgs{}.Kind(), DownloadMailArgs{}.Kind(), DeleteObjectsArgs{}.Kind(), PurgeArgs{}.Kind(), SweepArgs{}.Kind(),
	ExpireUploadsArgs{}.Kind(), WebhookArgs{}.Kind(), WebhookDisabledMailArgs{}.Kind(),
}

// outcomes are every value outcome returns.
var outcomes = []string{"completed", "retried", "discarded", "cancelled", "snoozed"}

// Work times one attempt and records what became of it.
func (m *workMetrics) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	m.duration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
	m.worked.WithLabelValues(job.Kind, outcome(job, err)).Inc()
	return err
}

func outcome(job *rivertype.JobRow, err error) string {
	var cancel *river.JobCancelError
	var snooze *river.JobSnoozeError
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &cancel):
		return "cancelled"
	case errors.As(err, &snooze):
		return "snoozed"
	case job.Attempt >= job.MaxAttempts:
		return "discarded"
	}
	return "retried"
}

// queueDepth reports, at scrape time, how many jobs wait or run, by kind
// and state: a growing backlog means too few workers or a failing store.
type queueDepth struct{ db *pgxpool.Pool }

var queueDesc = prometheus.NewDesc("ferry_jobs", "Jobs in the queue by kind and state (available, scheduled, retryable, running).", []string{"kind", "state"}, nil)

// RegisterQueueDepth adds the queue-depth series to reg.
func RegisterQueueDepth(reg prometheus.Registerer, db *pgxpool.Pool) {
	reg.MustRegister(queueDepth{db: db})
}

func (q queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (q queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := q.db.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(queueDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), kind, state)
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
	}
}
