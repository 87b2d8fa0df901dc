// Package jobs is Ferry's background work: the job kinds, what each does,
// and the River clients that insert and run them. Every job is idempotent:
// run twice, it leaves the same end state.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/thumbnail"
	"github.com/ferryhq/ferry/internal/webhook"
)

// Mailer sends one message with a plain-text and an HTML part.
type Mailer interface {
	Send(ctx context.Context, to, subject, text, html string) error
}

// Settings are the configuration values jobs act on.
type Settings struct {
	PublicURL          string
	PurgeAfter         time.Duration
	AuditRetention     time.Duration // audit events older than this are deleted; 0: 365 days
	OrphanGrace        time.Duration
	ThumbnailMaxSource int64
	// WebhookRetryBase is the wait after a delivery's first failed
	// attempt, tripled after each next one up to six hours; 0: 30 s.
	WebhookRetryBase time.Duration
	// WebhookDisableAfter is how long an endpoint may fail every attempt
	// before it is disabled and its owner mailed; 0: five days.
	WebhookDisableAfter time.Duration
}

// QueueThumbnails is the queue thumbnail jobs run on, with its own
// concurrency, so that decoding images neither waits behind nor holds up
// the verification of uploads and the rest of the default queue.
const QueueThumbnails = "thumbnails"

// Deps are what workers need; the worker process builds them once.
type Deps struct {
	DB       *pgxpool.Pool
	Bucket   *blob.Bucket
	Direct   *storage.Direct // Bucket's S3 client, for its multipart uploads; nil for other stores
	Log      *slog.Logger
	Mail     Mailer // nil: mail is logged, not sent
	Settings Settings
	// Uploads ends expired resumable uploads; nil where the store has
	// none (mem://).
	Uploads UploadReaper
	// Thumbnails bounds the memory every thumbnail job of the process
	// decodes with, together.
	Thumbnails *thumbnail.Budget
	// Webhooks posts webhook events, its dials checked by the SSRF guard.
	Webhooks *webhook.Sender
}

// ProcessFileArgs checks a new upload's bytes against its recorded size
// and SHA-256, then queues its thumbnail when it is an image.
type ProcessFileArgs struct {
	FileID string `json:"file_id"`
}

// Kind names the job in the queue.
func (ProcessFileArgs) Kind() string { return "process_file" }

// InsertOpts retries reads of storage a good while before giving up.
func (ProcessFileArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// ThumbnailArgs makes a verified image's thumbnail, on QueueThumbnails.
type ThumbnailArgs struct {
	FileID string `json:"file_id"`
}

// Kind names the job in the queue.
func (ThumbnailArgs) Kind() string { return "thumbnail" }

// InsertOpts puts the job on its queue and keeps one job per file waiting
// or running, however often process_file runs.
func (ThumbnailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueThumbnails, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DownloadMailArgs tells a share's owner that a file was downloaded.
type DownloadMailArgs struct {
	ShareID string    `json:"share_id"`
	FileID  string    `json:"file_id"`
	At      time.Time `json:"at"`
}

// Kind names the job in the queue.
func (DownloadMailArgs) Kind() string { return "download_mail" }

// InsertOpts gives a mail server that is down a day of retries.
func (DownloadMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// RequestMailArgs tells a file request's owner that files arrived
// through it, one mail per upload.
type RequestMailArgs struct {
	RequestID string   `json:"request_id"`
	FileIDs   []string `json:"file_ids"`
}

// Kind names the job in the queue.
func (RequestMailArgs) Kind() string { return "request_mail" }

// InsertOpts gives a mail server that is down a day of retries.
func (RequestMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// DeleteObjectsArgs deletes stored objects whose rows are gone.
type DeleteObjectsArgs struct {
	Keys []string `json:"keys"`
}

// Kind names the job in the queue.
func (DeleteObjectsArgs) Kind() string { return "delete_objects" }

// PurgeArgs deletes shares past expiry or spent, and files no share needs.
type PurgeArgs struct{}

// Kind names the job in the queue.
func (PurgeArgs) Kind() string { return "purge" }

// AuditPurgeArgs deletes the audit events older than AUDIT_RETENTION.
type AuditPurgeArgs struct{}

// Kind names the job in the queue.
func (AuditPurgeArgs) Kind() string { return "audit_purge" }

// SweepArgs deletes objects that have had no row for longer than the grace.
type SweepArgs struct{}

// Kind names the job in the queue.
func (SweepArgs) Kind() string { return "orphan_sweep" }

// Workers registers every job kind's worker.
func Workers(d *Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &processWorker{d: d})
	river.AddWorker(w, &thumbnailWorker{d: d})
	river.AddWorker(w, &mailWorker{d: d})
	river.AddWorker(w, &signupMailWorker{d: d})
	river.AddWorker(w, &requestMailWorker{d: d})
	river.AddWorker(w, &shareMailWorker{d: d})
	river.AddWorker(w, &deleteWorker{d: d})
	river.AddWorker(w, &purgeWorker{d: d})
	river.AddWorker(w, &sweepWorker{d: d})
	river.AddWorker(w, &auditPurgeWorker{d: d})
	river.AddWorker(w, &expireWorker{d: d})
	river.AddWorker(w, &webhookWorker{d: d})
	river.AddWorker(w, &webhookMailWorker{d: d})
	return w
}

// Client is a River client over pgx.
type Client = river.Client[pgx.Tx]

// NewInserter returns a client that only inserts jobs, for web and clock.
// With tp, each insert carries the caller's trace to the job.
func NewInserter(db *pgxpool.Pool, log *slog.Logger, tp trace.TracerProvider) (*Client, error) {
	c, err := river.NewClient(riverpgxv5.New(db), &river.Config{Logger: logging.Demoted(log), Middleware: middleware(tp, nil)})
	if err != nil {
		return nil, fmt.Errorf("job inserter: %w", err)
	}
	return c, nil
}

// RunnerOptions size and time the runner.
type RunnerOptions struct {
	Concurrency          int                   // jobs at once on the default queue
	ThumbnailConcurrency int                   // jobs at once on QueueThumbnails
	JobTimeout           time.Duration         // a job running longer is cancelled and retried
	RescueAfter          time.Duration         // a job whose worker died is retried after this
	Tracer               trace.TracerProvider  // nil while tracing is off
	Registry             prometheus.Registerer // where the job series go; nil records none
}

// NewRunner returns a client that works the queue.
func NewRunner(d *Deps, o RunnerOptions) (*Client, error) {
	c, err := river.NewClient(riverpgxv5.New(d.DB), &river.Config{
		Logger: logging.Demoted(d.Log), // River's periodic info lines are debugging detail
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: o.Concurrency},
			QueueThumbnails:    {MaxWorkers: o.ThumbnailConcurrency},
		},
		Workers:              Workers(d),
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		Middleware:           middleware(o.Tracer, o.Registry),
	})
	if err != nil {
		return nil, fmt.Errorf("job runner: %w", err)
	}
	return c, nil
}
