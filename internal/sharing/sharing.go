// Package sharing holds Ferry's use cases: bytes becoming files, files
// becoming shares, shares being spent by downloads, files and shares
// ending. It owns the transactions that write rows and queue jobs
// together, and the compensations when one fails: an object whose rows
// were never written is deleted, a download that sent no bytes is given
// back.
//
// Every way bytes arrive (a PUT, a multipart form, and later resumable and
// direct uploads and file requests) ends in Batch.Commit. The tables are
// written only through their owners (internal/files, internal/share,
// internal/account); HTTP is internal/web's.
package sharing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/webhook"
)

// Errors of the use cases, mapped to statuses by the web layer.
var (
	ErrTooLarge = errors.New("upload larger than this server accepts") // 413
	ErrNoFiles  = errors.New("an upload holds no file")                // 400
)

// Settings are the operator's rules the use cases apply.
type Settings struct {
	MaxUploadSize int64 // the most one upload (all its files) may hold
	UserQuota     int64 // bytes per user without a quota of their own; 0: no limit
	Shares        share.Limits
	OrphanGrace   time.Duration // the orphan sweep's grace (ORPHAN_GRACE); a commit must follow its object within half of it. 0: no bound
	PublicURL     string        // where share links point, for the links in webhook events; "": none sent
	Mail          bool          // the worker sends mail (SMTP_URL is set), so links may be sent to recipients
}

// Service runs the use cases. The command that runs a process builds one,
// once, from the attached backing services.
type Service struct {
	DB       postgres.TxDB // a pool; the web process passes one that waits while Postgres is full
	Store    storage.Store
	Jobs     *jobs.Client // nil runs no jobs (tests of the web layer alone)
	Log      *slog.Logger
	Hasher   *account.Hasher // the bound on password hashes, shared with accounts; nil: none
	Webhooks webhook.Guard   // which webhook URLs may be made (WEBHOOK_ALLOW_PRIVATE)
	Settings Settings
}

// Bucket is where the bytes are.
func (s *Service) Bucket() *blob.Bucket { return s.Store.Bucket }

// inTx runs fn in one transaction: rows and the jobs they call for commit
// together or not at all.
func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.DB, fn)
}

// commitTx is inTx for a commit whose failure must be told apart: an
// error of COMMIT itself is an *unknownOutcome, since the server may have
// committed before the connection broke.
func (s *Service) commitTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if s.DB == nil {
		return errors.New("no database")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return &unknownOutcome{err}
	}
	return nil
}

// unknownOutcome is a COMMIT that failed: the transaction may or may not
// have been committed.
type unknownOutcome struct{ err error }

func (u *unknownOutcome) Error() string { return "commit, outcome unknown: " + u.err.Error() }
func (u *unknownOutcome) Unwrap() error { return u.err }

// enqueue inserts a job in the caller's transaction, so the job exists
// exactly when the rows that call for it do.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if s.Jobs == nil {
		return nil
	}
	if _, err := s.Jobs.InsertTx(ctx, tx, args, jobs.From(ctx)); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// deleteObjects removes objects whose rows are gone or were never written.
// It runs even when the request's client has gone, which is often why it
// runs; a failure is logged and left to the delete job or the orphan
// sweep, which find the same objects later.
func (s *Service) deleteObjects(ctx context.Context, keys []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, key := range keys {
		if err := s.Store.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			s.Log.WarnContext(ctx, "delete object; the delete job or the orphan sweep will retry", "key", key, "error", err.Error())
		}
	}
}

// settle forgets pending keys whose upload gave up, once their objects are
// deleted. Should that fail, the rows age out after the sweep's grace and
// the sweep deletes whatever is left.
func (s *Service) settle(ctx context.Context, keys []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := files.Settle(ctx, s.DB, keys); err != nil {
		s.Log.WarnContext(ctx, "forget pending objects; they age out", "error", err.Error())
	}
}
