// Package backing attaches the backing services Ferry uses (Postgres, Redis
// and object storage), each from a URL, so swapping one is a change of
// environment and never of code.
package backing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/storage"

	// Every storage driver is linked, so any cloud is a BLOB_URL away.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/memblob"
)

// Services holds the attached services; a nil field was not asked for.
type Services struct {
	DB *pgxpool.Pool
	// Conns is DB for request paths: its calls wait for a pooled
	// connection while Postgres is full, up to the PoolSize's FullWait.
	Conns  *WaitingPool
	Redis  *redis.Client
	Bucket *blob.Bucket
	Direct *storage.Direct // the S3 client behind Bucket; nil for other stores

	full fullness // when Postgres last refused a connection as full
}

// Store is where uploads go.
func (s *Services) Store() storage.Store { return storage.Store{Bucket: s.Bucket, Direct: s.Direct} }

// URLs names the services to attach; an empty URL attaches nothing.
type URLs struct {
	Database, Redis, Blob string
	// Tracer, when set, traces every call to the services.
	Tracer trace.TracerProvider
	// Pool sizes the Postgres pool; the zero value keeps pgx's defaults.
	Pool PoolSize
}

// Open attaches every service named in urls without waiting for any to
// answer: a service that is down at start must not stop the process from
// serving /health, so connections are made lazily and WaitUp reports.
func Open(ctx context.Context, urls URLs) (*Services, error) {
	s := &Services{}
	if err := s.open(ctx, urls); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

func (s *Services) open(ctx context.Context, urls URLs) error {
	var err error
	if urls.Database != "" {
		if s.Conns, err = openPool(urls.Database, urls.Tracer, urls.Pool, &s.full); err != nil {
			return err
		}
		s.DB = s.Conns.Pool
	}
	if urls.Redis != "" {
		opts, err := redis.ParseURL(urls.Redis)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		s.Redis = redis.NewClient(opts)
		if urls.Tracer != nil {
			// Commands are recorded by name only: their arguments hold
			// session ids and rate-limit keys.
			if err := redisotel.InstrumentTracing(s.Redis, redisotel.WithTracerProvider(urls.Tracer), redisotel.WithDBStatement(false)); err != nil {
				return fmt.Errorf("REDIS_URL: trace: %w", err)
			}
		}
	}
	if urls.Blob != "" {
		if s.Bucket, s.Direct, err = openBucket(ctx, urls.Blob, urls.Tracer); err != nil {
			return fmt.Errorf("BLOB_URL: open bucket: %w", err)
		}
	}
	return nil
}

func openBucket(ctx context.Context, raw string, tp trace.TracerProvider) (*blob.Bucket, *storage.Direct, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	if u.Scheme == s3blob.Scheme {
		return openS3(ctx, u, tp)
	}
	b, err := blob.OpenBucket(ctx, raw)
	return b, nil, err
}

// OpenDB makes a pool from a Postgres URL without connecting. With tp,
// every query is a span holding its SQL text but never its arguments.
func OpenDB(url string, tp trace.TracerProvider) (*pgxpool.Pool, error) {
	w, err := openPool(url, tp, PoolSize{}, nil)
	if err != nil {
		return nil, err
	}
	return w.Pool, nil
}

// openPool is OpenDB sized by size; full, when not nil, records the
// server's refusals for being full.
func openPool(url string, tp trace.TracerProvider, size PoolSize, full *fullness) (*WaitingPool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message can quote the URL, password included.
		return nil, errors.New("DATABASE_URL: not a valid Postgres URL")
	}
	size.apply(cfg, url)
	if full == nil {
		full = &fullness{}
	}
	noteFull(cfg, full)
	w := &WaitingPool{wait: size.FullWait, freed: &releases{}}
	cfg.ConnConfig.Tracer = w.freed
	if tp != nil {
		cfg.ConnConfig.Tracer = multitracer.New(otelpgx.NewTracer(otelpgx.WithTracerProvider(tp)), w.freed)
	}
	if w.Pool, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return w, nil
}

// Checks returns one probe per attached service, for readiness.
func (s *Services) Checks() []health.Check {
	var checks []health.Check
	if s.DB != nil {
		checks = append(checks, health.Check{Name: "database", Reason: "database unavailable", Fn: s.pingDB})
	}
	if s.Redis != nil {
		checks = append(checks, health.Check{Name: "redis", Reason: "redis unavailable", Fn: func(ctx context.Context) error { return s.Redis.Ping(ctx).Err() }})
	}
	if s.Bucket != nil {
		checks = append(checks, health.Check{Name: "object_storage", Reason: "object storage unavailable", Fn: s.bucketCheck})
	}
	return checks
}

func (s *Services) bucketCheck(ctx context.Context) error {
	ok, err := s.Bucket.IsAccessible(ctx)
	if err == nil && !ok {
		err = errors.New("bucket not accessible")
	}
	return err
}

// WaitUp probes every service until each has answered once, logging each
// failure with a growing pause, so an operator sees why the process is not
// ready instead of a crash loop. It returns when all are up or ctx ends.
func (s *Services) WaitUp(ctx context.Context, log *slog.Logger) {
	for _, c := range s.Checks() {
		for delay := 250 * time.Millisecond; ; delay = min(delay*2, 10*time.Second) {
			err := probe(ctx, c)
			if err == nil || ctx.Err() != nil {
				break
			}
			log.Warn("backing service down, retrying", "reason", c.Reason, "retry_in", delay.String(), "error", err.Error())
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
	}
}

// probe runs one check with a short deadline: a probe that hangs is a failure.
func probe(ctx context.Context, c health.Check) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return c.Fn(ctx)
}

// Close releases every attached service.
func (s *Services) Close() error {
	var errs []error
	if s.DB != nil {
		s.DB.Close()
	}
	if s.Redis != nil {
		errs = append(errs, s.Redis.Close())
	}
	if s.Bucket != nil {
		errs = append(errs, s.Bucket.Close())
	}
	return errors.Join(errs...)
}
