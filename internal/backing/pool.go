package backing

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolSize sizes a process's Postgres pool.
type PoolSize struct {
	// MaxConns, when above 0, is the pool's limit whatever DATABASE_URL
	// says (DB_MAX_CONNS).
	MaxConns int32
	// DefaultMaxConns is the limit when neither MaxConns nor the URL's
	// pool_max_conns sets one: what the process type needs.
	DefaultMaxConns int32
	// MaxConnIdle closes a connection left idle this long (DB_MAX_CONN_IDLE);
	// 0 keeps the URL's pool_max_conn_idle_time or pgx's default.
	MaxConnIdle time.Duration
	// FullWait is how long a new connection keeps trying while Postgres
	// refuses it for having no slot left; 0 fails at once.
	FullWait time.Duration
}

// tooManyConnections is SQLSTATE 53300: the server (max_connections) or
// the role (CONNECTION LIMIT) has no slot left.
const tooManyConnections = "53300"

// IsFull reports whether err is Postgres refusing a connection for want of
// a free slot: the database is up but saturated.
func IsFull(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == tooManyConnections
}

// apply sets the pool's limits, in this order of precedence: MaxConns,
// then pool_max_conns in the URL, then DefaultMaxConns.
func (p PoolSize) apply(cfg *pgxpool.Config, rawURL string) {
	switch {
	case p.MaxConns > 0:
		cfg.MaxConns = p.MaxConns
	case urlSets(rawURL, "pool_max_conns"):
	case p.DefaultMaxConns > 0:
		cfg.MaxConns = p.DefaultMaxConns
	}
	cfg.MinConns = min(cfg.MinConns, cfg.MaxConns)
	if p.MaxConnIdle > 0 {
		cfg.MaxConnIdleTime = p.MaxConnIdle
	}
}

func urlSets(rawURL, param string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Query().Has(param)
}

// fullness remembers when the server last refused a connection as full,
// so readiness can tell a saturated database from one that is down.
type fullness struct{ last atomic.Int64 } // unix nanoseconds; 0: never

func (f *fullness) saw() { f.last.Store(time.Now().UnixNano()) }

// recent reports a refusal in the last few seconds.
func (f *fullness) recent() bool {
	l := f.last.Load()
	return l != 0 && time.Since(time.Unix(0, l)) < 5*time.Second
}

// waitWhenFull makes every new connection of the pool try again, with a
// growing pause, while Postgres refuses it as full, for up to wait: a
// request then waits for a slot, as it waits for a pooled connection,
// instead of failing. pgx has no retry of its own, but it tries each
// fallback host in turn and goes on after a refusal like 53300, so the
// connection gets the URL's hosts again as fallbacks, and the dialer
// gives up at once on a retry unless the attempt before was refused as
// full. A server that is down fails as fast as before.
func waitWhenFull(cfg *pgxpool.Config, wait time.Duration, full *fullness) {
	if wait <= 0 {
		return
	}
	before := cfg.BeforeConnect
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		if before != nil {
			if err := before(ctx, cc); err != nil {
				return err
			}
		}
		r := &retry{dial: cc.DialFunc, group: 1 + len(cc.Fallbacks), deadline: time.Now().Add(wait), delay: 50 * time.Millisecond}
		hosts := append([]*pgconn.FallbackConfig{{Host: cc.Host, Port: cc.Port, TLSConfig: cc.TLSConfig}}, cc.Fallbacks...)
		fallbacks := append(make([]*pgconn.FallbackConfig, 0, len(hosts)*(retryGroups+1)), cc.Fallbacks...)
		for range retryGroups {
			fallbacks = append(fallbacks, hosts...)
		}
		cc.Fallbacks, cc.DialFunc = fallbacks, r.dialContext
		onPgError := cc.OnPgError
		cc.OnPgError = func(c *pgconn.PgConn, e *pgconn.PgError) bool {
			if e.Code == tooManyConnections {
				r.refused.Store(true)
				full.saw()
			}
			return onPgError == nil || onPgError(c, e)
		}
		return nil
	}
}

// retryGroups bounds the retries: pauses of 50, 100, 200, then 400 ms
// cover a few seconds.
const retryGroups = 8

// errNotRetried fails the retries that follow a failure other than 53300.
var errNotRetried = errors.New("not retried: the server did not say it was full")

// retry is the dialer of one connection attempt and its retries.
type retry struct {
	dial     pgconn.DialFunc
	group    int // dials in one pass over the URL's hosts
	n        int // dials so far; pgx makes them one after another
	deadline time.Time
	delay    time.Duration
	refused  atomic.Bool // a dial of this pass was refused with 53300
	stopped  bool
}

func (r *retry) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	i := r.n
	r.n++
	if i >= r.group && i%r.group == 0 { // a retry pass begins
		r.stopped = r.stopped || !r.refused.Swap(false) || !time.Now().Before(r.deadline)
		if !r.stopped {
			if err := pause(ctx, min(r.delay, time.Until(r.deadline))); err != nil {
				return nil, err
			}
			r.delay = min(2*r.delay, 400*time.Millisecond)
		}
	}
	if r.stopped {
		return nil, errNotRetried
	}
	return r.dial(ctx, network, addr)
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Saturated reports whether err, from the database, means Postgres is up
// but has no connection to spare: it refused one as full (now, or a moment
// ago while this attempt waited for a slot), or every connection of the
// pool is in use and the wait for one ran out.
func (s *Services) Saturated(err error) bool {
	if err == nil || s.DB == nil {
		return false
	}
	if IsFull(err) {
		return true
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	st := s.DB.Stat()
	return s.full.recent() || st.AcquiredConns() >= st.MaxConns()
}

// pingDB is the database's readiness check: a saturated database is busy,
// not down, and load balancers must not take traffic from every replica
// at once because of it.
func (s *Services) pingDB(ctx context.Context) error {
	if err := s.DB.Ping(ctx); !s.Saturated(err) {
		return err
	}
	return nil
}

// poolShareLimit is the part of the server's max_connections one pool may
// ask for before WarnPoolSize warns: two webs, a worker and a clock at
// half each already ask for twice what the server has.
const poolShareLimit = 2

// WarnPoolSize logs one warning, naming DB_MAX_CONNS, when this process's
// pool alone may hold more than half of Postgres's max_connections: the
// pools of every process together must stay under it, or requests are
// refused connections while others hold them. Call it once the database
// answers; it says nothing when it cannot ask.
func (s *Services) WarnPoolSize(ctx context.Context, log *slog.Logger) {
	if s.DB == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var raw string
	if err := s.DB.QueryRow(ctx, "SHOW max_connections").Scan(&raw); err != nil {
		return
	}
	server, err := strconv.Atoi(raw)
	if err != nil {
		return
	}
	if pool := s.DB.Config().MaxConns; tooLarge(pool, server) {
		log.Warn("Postgres pool over half of the server's max_connections; lower DB_MAX_CONNS (or pool_max_conns in DATABASE_URL) so that the pools of every process together stay under max_connections",
			"pool_max_conns", pool, "max_connections", server)
	}
}

// tooLarge reports whether a pool of pool connections asks for more than
// its share of a server that takes server connections.
func tooLarge(pool int32, server int) bool {
	return server > 0 && int(pool)*poolShareLimit > server
}
