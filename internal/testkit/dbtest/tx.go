package dbtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shared is the migrated database Tx's transactions run on, one per test
// process, created at the first Tx and dropped by Run.
var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// sharedMaxConns bounds the shared pool: one connection per test holding
// a transaction, so parallel tests and their subtests rarely wait.
const sharedMaxConns = 32

// Tx begins a transaction on a migrated database that the tests of this
// process share, and rolls it back when the test ends. It costs one BEGIN
// where Pool costs a CREATE DATABASE, so it suits any test whose code
// takes a postgres.DB (or pgx.Tx) and needs no commit.
//
// What one test writes no other sees, as nothing is ever committed; two
// tests writing the same unique value wait on each other, so use values
// of the test's own. Code that commits, opens its own connections, or
// waits for another session (LISTEN, River's workers, advisory locks
// held across sessions) needs Pool or URL instead.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	setup(t)
	shared.once.Do(func() { shared.pool, shared.err = openShared() })
	if shared.err != nil {
		t.Fatalf("dbtest: shared database: %v", shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tx, err := shared.pool.Begin(ctx)
	if err != nil {
		t.Fatalf("dbtest: begin: %v", err)
	}
	t.Cleanup(func() {
		// A test may have ended the transaction itself; that is fine.
		if err := tx.Rollback(context.Background()); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			t.Errorf("dbtest: roll back: %v", err)
		}
	})
	return tx
}

// openShared clones the template into this process's shared database and
// has Run close the pool and drop the database.
func openShared() (*pgxpool.Pool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "ferry_shared_" + strings.ToLower(rand.Text())
	if _, err := pg.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+pg.template); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	// Registered before the pool's close, so it runs after it.
	onStop(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := pg.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	})
	u, err := withDatabase(pg.url, name)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = sharedMaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	onStop(func() error { pool.Close(); return nil })
	return pool, nil
}
