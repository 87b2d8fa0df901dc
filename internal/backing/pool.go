package backing

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

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
	// FullWait is how long a call of the WaitingPool waits for a
	// connection while Postgres refuses new ones for having no slot left;
	// 0 fails at once.
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

// noteFull records the server's refusals of new connections as full, so
// readiness can call a saturated database busy instead of down.
func noteFull(cfg *pgxpool.Config, full *fullness) {
	onPgError := cfg.ConnConfig.OnPgError
	cfg.ConnConfig.OnPgError = func(c *pgconn.PgConn, e *pgconn.PgError) bool {
		if e.Code == tooManyConnections {
			full.saw()
		}
		return onPgError == nil || onPgError(c, e)
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
