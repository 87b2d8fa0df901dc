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
// is an error. Here the call joins a queue and takes the connection the
// pool releases next, in turn, so a pool larger than the server allows
// serves at the rate of the connections it did get, as a pool at its own
// limit does. While some calls wait, new calls queue behind them instead
// of dialling, so a full server is not also flooded with connection
// attempts; a waiting call dials again every few hundred milliseconds, in
// case another process let a slot go.
//
// Every method that takes a connection (Exec, Query, QueryRow, Begin,
// BeginTx, Acquire) waits this way; the embedded pool's other methods are
// pgxpool's.
type WaitingPool struct {
	*pgxpool.Pool
	wait  time.Duration // how long a call waits; 0: not at all
	freed *releases
}

// redialEvery is how often a waiting call dials anew, without a release
// of its own pool: a slot that another process gave back is found so.
const redialEvery = 250 * time.Millisecond

// releases is the queue of waiting calls, woken one per release of a
// connection, first come first served. It is the pool's release tracer,
// so it sees every release, synchronously.
type releases struct {
	mu    sync.Mutex
	queue []chan struct{} // closed when it is that call's turn
	// waiting is len(queue), read without the lock: every call and every
	// release looks at it, and almost always no one waits.
	waiting atomic.Int32
}

// join puts a call in the queue: at the front for one that had its turn
// and found no connection, at the back otherwise.
func (r *releases) join(front bool) chan struct{} {
	turn := make(chan struct{})
	r.mu.Lock()
	defer r.mu.Unlock()
	if front {
		r.queue = append([]chan struct{}{turn}, r.queue...)
	} else {
		r.queue = append(r.queue, turn)
	}
	r.waiting.Store(int32(len(r.queue)))
	return turn
}

// leave takes a call out of the queue. If its turn had come (turn is
// closed) it passes it on, so that a release is not lost on a call that
// stopped waiting.
func (r *releases) leave(turn chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.queue {
		if c == turn {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			r.waiting.Store(int32(len(r.queue)))
			return
		}
	}
	r.wakeLocked() // not queued: it was woken
}

// empty reports that no call waits.
func (r *releases) empty() bool { return r.waiting.Load() == 0 }

func (r *releases) wakeLocked() {
	if len(r.queue) > 0 {
		close(r.queue[0])
		r.queue = r.queue[1:]
		r.waiting.Store(int32(len(r.queue)))
	}
}

// TraceRelease implements pgxpool.ReleaseTracer: the first waiting call
// gets its turn.
func (r *releases) TraceRelease(*pgxpool.Pool, pgxpool.TraceReleaseData) {
	if r.empty() {
		return
	}
	r.mu.Lock()
	r.wakeLocked()
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
// out. The error of op's last try is returned.
func (w *WaitingPool) patiently(ctx context.Context, op func() error) error {
	var err error
	if w.freed.empty() {
		if err = op(); !IsFull(err) || w.wait <= 0 {
			return err
		}
	}
	deadline := time.Now().Add(w.wait)
	for front := false; ; front = true {
		left := time.Until(deadline)
		if left <= 0 {
			if err == nil { // queued behind others, never tried
				err = op()
			}
			return err
		}
		turn := w.freed.join(front)
		woke, stop := w.await(ctx, turn, min(left, redialEvery))
		if stop != nil {
			w.freed.leave(turn)
			return stop
		}
		if !woke {
			w.freed.leave(turn)
		}
		if err = op(); !IsFull(err) {
			return err
		}
	}
}

// await waits for the call's turn, d, or the end of ctx. On its turn it
// waits briefly for the released connection to be idle: the tracer hears
// of a release just before the pool takes the connection back.
func (w *WaitingPool) await(ctx context.Context, turn chan struct{}, d time.Duration) (woke bool, stop error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, nil
	case <-turn:
	}
	for range 20 {
		if w.Pool.Stat().IdleConns() > 0 {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	return true, nil
}

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
