package schema

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"path"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/rivermigrate"
)

// lockName names the advisory lock every `ferry migrate` takes, so that
// concurrent runs (several replicas each with a release step) queue up
// instead of racing; the later ones then find nothing to do.
const lockName = "ferry-migrate"

// LockKey turns a name into the bigint key pg_advisory_lock takes.
func LockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// Migrate applies Ferry's pending migrations and then River's, all under one
// session advisory lock. It is idempotent: a run on a current schema changes
// nothing. The pool needs two connections: one holds the lock.
func Migrate(ctx context.Context, db *pgxpool.Pool, log *slog.Logger) error {
	if db.Config().MaxConns < 2 {
		return errors.New("migrate: the database pool needs at least 2 connections (one holds the lock)")
	}
	unlock, err := AdvisoryLock(ctx, db, LockKey(lockName))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer unlock()
	if err := migrateFerry(ctx, db, log); err != nil {
		return err
	}
	if err := migrateRiver(ctx, db, log); err != nil {
		return err
	}
	log.InfoContext(ctx, "schema up to date")
	return nil
}

// AdvisoryLock waits for the session advisory lock key on a connection it
// keeps out of the pool until the returned unlock is called.
func AdvisoryLock(ctx context.Context, db *pgxpool.Pool, key int64) (unlock func(), err error) {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire lock connection: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		// The lock may have been granted just as ctx ended; closing the
		// session is the one sure way to let it go.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, fmt.Errorf("advisory lock: %w", err)
	}
	return func() {
		bg := context.WithoutCancel(ctx)
		if _, err := conn.Exec(bg, "SELECT pg_advisory_unlock($1)", key); err != nil {
			_ = conn.Conn().Close(bg)
		}
		conn.Release()
	}, nil
}

// migrateFerry runs the embedded SQL migrations with goose.
func migrateFerry(ctx context.Context, db *pgxpool.Pool, log *slog.Logger) error {
	sqlDB := stdlib.OpenDBFromPool(db)
	defer sqlDB.Close() // leaves the pool open
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			log.InfoContext(ctx, "applied migration", "set", "ferry", "version", r.Source.Version,
				"name", path.Base(r.Source.Path), "duration", r.Duration)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate ferry schema: %w", err)
	}
	return nil
}

// migrateRiver brings River's queue tables to the version this binary needs.
func migrateRiver(ctx context.Context, db *pgxpool.Pool, log *slog.Logger) error {
	m, err := newRiverMigrator(db)
	if err != nil {
		return err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river schema: %w", err)
	}
	for _, v := range res.Versions {
		log.InfoContext(ctx, "applied migration", "set", "river", "version", v.Version,
			"name", v.Name, "duration", v.Duration)
	}
	return nil
}
