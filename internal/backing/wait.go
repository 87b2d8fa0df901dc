package backing

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WaitingPool is a pool whose callers wait for a connection of their own
// pool, for up to a deadline, when Postgres refuses a new one as full
// (SQLSTATE 53300). pgxpool alone fails such a call at once, even though
// the pool's other connections come free a moment later: a call that
// finds no idle connection dials a new one, and a dial the server refuses
// is an error. Here the call waits until the pool releases a connection
// and then takes it, so a pool larger than the server allows serves at
// the rate of the connections it did get, as a pool at its own limit
// does. While some calls wait, new calls queue behind them instead of
// dialling, so a saturated server is not also flooded with connection
// attempts; every few hundred milliseconds a waiting call dials again, in
// case another process let a slot go.
//
// Every method that takes a connection (Exec, Query, QueryRow, Begin,
// BeginTx, Acquire) waits this way; the embedded pool's other methods are
// pgxpool's.
type WaitingPool struct {
	*pgxpool.Pool
	wait    time.Duration // how long a call waits; 0: not at all
	freed   *releases
	waiting atomic.Int32 // calls waiting now
}

// redialEvery is how often a waiting call dials anew, without a release
// of its own pool: a slot that another process gave back is found so.
const redialEvery = 250 * time.Millisecond

// releases tells waiting calls that the pool released a connection. It is
// the pool's release tracer, so it sees every release, synchronously.
type releases struct {
	mu sync.Mutex
	ch chan struct{} // closed at the next release; nil while no one waits
}

// next is closed at the next release.
func (r *releases) next() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = make(chan struct{})
	}
	return r.ch
}

// TraceRelease implements pgxpool.ReleaseTracer.
func (r *releases) TraceRelease(*pgxpool.Pool, pgxpool.TraceReleaseData) {
	r.mu.Lock()
	if r.ch != nil {
		close(r.ch)
		r.ch = nil
	}
	r.mu.Unlock()
}

// TraceQueryStart and TraceQueryEnd make releases a pgx.QueryTracer, which
// every tracer of a connection must be; they do nothing.
func (r *releases) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

// TraceQueryEnd does nothing; see TraceQueryStart.
func (r *releases) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// patiently runs op, which takes a connection from the pool, until it
// succeeds, fails for a reason other than a full server, or the wait runs
// out. op's error from the last try is returned.
func (w *WaitingPool) patiently(ctx context.Context, op func() error) error {
	var err error
	if w.waiting.Load() == 0 || w.idle() {
		if err = op(); !IsFull(err) || w.wait <= 0 {
			return err
		}
	}
	w.waiting.Add(1)
	defer w.waiting.Add(-1)
	deadline := time.Now().Add(w.wait)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			if err == nil { // queued behind others and never tried
				err = op()
			}
			return err
		}
		if woke := w.await(ctx, min(left, redialEvery)); woke != nil {
			return woke
		}
		if err = op(); !IsFull(err) {
			return err
		}
	}
}

// await waits for a release of the pool, d, or the end of ctx, and then
// for the released connection to be idle, briefly: the tracer hears of a
// release just before the pool takes the connection back.
func (w *WaitingPool) await(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	case <-w.freed.next():
	}
	for range 20 {
		if w.idle() {
			return nil
		}
		time.Sleep(100 * time.Microsecond)
	}
	return nil
}

func (w *WaitingPool) idle() bool { return w.Pool.Stat().IdleConns() > 0 }

// Acquire takes a connection, waiting for one while the server is full.
func (w *WaitingPool) Acquire(ctx context.Context) (c *pgxpool.Conn, err error) {
	err = w.patiently(ctx, func() error { c, err = w.Pool.Acquire(ctx); return err })
	return c, err
}

// Exec is pgxpool's Exec, waiting for a connection while the server is
// full. A refusal as full comes before any statement runs, so trying again
// never runs one twice.
func (w *WaitingPool) Exec(ctx context.Context, sql string, args ...any) (tag pgconn.CommandTag, err error) {
	err = w.patiently(ctx, func() error { tag, err = w.Pool.Exec(ctx, sql, args...); return err })
	return tag, err
}

// Query is pgxpool's Query, waiting for a connection while the server is
// full.
func (w *WaitingPool) Query(ctx context.Context, sql string, args ...any) (rows pgx.Rows, err error) {
	err = w.patiently(ctx, func() error { rows, err = w.Pool.Query(ctx, sql, args...); return err })
	return rows, err
}

// QueryRow is pgxpool's QueryRow, waiting for a connection while the
// server is full. pgxpool's QueryRow tells of a failed acquire only at
// Scan, so the connection is taken first.
func (w *WaitingPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := w.Acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &releasingRow{row: c.QueryRow(ctx, sql, args...), conn: c}
}

// Begin is pgxpool's Begin, waiting for a connection while the server is
// full.
func (w *WaitingPool) Begin(ctx context.Context) (tx pgx.Tx, err error) {
	err = w.patiently(ctx, func() error { tx, err = w.Pool.Begin(ctx); return err })
	return tx, err
}

// BeginTx is pgxpool's BeginTx, waiting for a connection while the server
// is full.
func (w *WaitingPool) BeginTx(ctx context.Context, opts pgx.TxOptions) (tx pgx.Tx, err error) {
	err = w.patiently(ctx, func() error { tx, err = w.Pool.BeginTx(ctx, opts); return err })
	return tx, err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// releasingRow gives its connection back once scanned, as pgxpool's does.
type releasingRow struct {
	row  pgx.Row
	conn *pgxpool.Conn
}

func (r *releasingRow) Scan(dest ...any) error {
	defer r.conn.Release()
	return r.row.Scan(dest...)
}
