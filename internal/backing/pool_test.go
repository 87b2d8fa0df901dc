package backing

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestPoolSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		size PoolSize
		want int32
	}{
		{"process default", "postgres://u@h/db", PoolSize{DefaultMaxConns: 10}, 10},
		{"URL over the default", "postgres://u@h/db?pool_max_conns=7", PoolSize{DefaultMaxConns: 10}, 7},
		{"DB_MAX_CONNS over the URL", "postgres://u@h/db?pool_max_conns=7", PoolSize{MaxConns: 3, DefaultMaxConns: 10}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			tt.size.MaxConnIdle = time.Minute
			tt.size.apply(cfg, tt.url)
			if cfg.MaxConns != tt.want || cfg.MaxConnIdleTime != time.Minute {
				t.Errorf("max %d idle %v, want %d and 1m", cfg.MaxConns, cfg.MaxConnIdleTime, tt.want)
			}
		})
	}
}

// limitedRole creates a role that may hold two connections at once, so
// its third is refused with SQLSTATE 53300 as from a full server, and
// returns dbURL with that role as the user.
func limitedRole(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	role := fmt.Sprintf("ferry_full_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN CONNECTION LIMIT 2"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dbtest.AdminURL(t))
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer c.Close(context.Background())
		// Backends of closed connections may still be exiting.
		_, _ = c.Exec(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
		if _, err := c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// fill takes both of the role's connections; the returned function gives
// one back.
func fill(t *testing.T, roleURL string) func() {
	t.Helper()
	var conns []*pgx.Conn
	for range 2 {
		c, err := pgx.Connect(context.Background(), roleURL)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close(context.Background())
		}
	})
	return func() { _ = conns[0].Close(context.Background()) }
}

// TestFullServer: while Postgres refuses connections as full, a query
// waits instead of failing: for a connection its own pool releases, or for
// a slot another client gives back; without the wait it fails at once
// with 53300; and readiness calls the database up either way (it is
// saturated, not down).
func TestFullServer(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.URL(t)
	for _, tc := range []struct {
		name    string
		sslmode string // prefer tries TLS, then plain
		wait    time.Duration
		check   func(t *testing.T, svc *Services, roleURL string)
	}{
		{"query waits for a slot another client frees", "disable", 5 * time.Second, waitsForSlot},
		{"query waits for a slot, sslmode=prefer", "prefer", 5 * time.Second, waitsForSlot},
		{"query waits for its own pool's connection", "disable", 5 * time.Second, waitsForOwnPool},
		{"twenty calls share the two connections the server allows", "disable", 5 * time.Second, sharesTwo},
		{"query without the wait fails", "disable", 0, func(t *testing.T, svc *Services, roleURL string) {
			fill(t, roleURL)
			var one int
			if err := svc.Conns.QueryRow(context.Background(), "SELECT 1").Scan(&one); !IsFull(err) {
				t.Errorf("without the wait: %v, want SQLSTATE 53300", err)
			}
		}},
		{"ready while waiting", "disable", 5 * time.Second, readyWhileFull},
		{"ready without the wait", "disable", 0, readyWhileFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A role each: a connection a case let go may take a moment
			// to leave the server's count.
			roleURL := withSSLMode(t, limitedRole(t, dbURL), tc.sslmode)
			svc := &Services{}
			var err error
			if svc.Conns, err = openPool(roleURL, nil, PoolSize{MaxConns: 4, FullWait: tc.wait}, &svc.full); err != nil {
				t.Fatal(err)
			}
			svc.DB = svc.Conns.Pool
			t.Cleanup(svc.DB.Close)
			tc.check(t, svc, roleURL)
		})
	}
}

// queryAsync runs SELECT 1 through the waiting pool.
func queryAsync(svc *Services) <-chan error {
	answered := make(chan error, 1)
	go func() {
		var one int
		answered <- svc.Conns.QueryRow(context.Background(), "SELECT 1").Scan(&one)
	}()
	return answered
}

// untilRefused waits until the server has refused a connection as full.
func untilRefused(svc *Services) {
	for !svc.full.recent() {
		time.Sleep(10 * time.Millisecond)
	}
}

func waitsForSlot(t *testing.T, svc *Services, roleURL string) {
	free := fill(t, roleURL)
	begin := time.Now()
	answered := queryAsync(svc)
	untilRefused(svc)
	free()
	if err := <-answered; err != nil {
		t.Errorf("query once a slot freed: %v", err)
	}
	t.Logf("the query waited %v for a slot", time.Since(begin).Round(time.Millisecond))
}

// waitsForOwnPool: the pool holds every connection the server allows it
// and has room for more; a query past those waits for one of them, where
// pgxpool alone fails it with 53300.
func waitsForOwnPool(t *testing.T, svc *Services, _ string) {
	ctx := context.Background()
	var held []*pgxpool.Conn
	for range 2 {
		c, err := svc.DB.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	var one int
	if err := svc.DB.QueryRow(ctx, "SELECT 1").Scan(&one); !IsFull(err) {
		t.Fatalf("pgxpool alone: %v, want SQLSTATE 53300 (the test's premise)", err)
	}
	answered := queryAsync(svc)
	time.Sleep(100 * time.Millisecond) // it is refused and waits
	held[0].Release()
	held = held[1:]
	select {
	case err := <-answered:
		if err != nil {
			t.Errorf("query once the pool released a connection: %v", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("the query did not take the released connection")
	}
	if n := svc.DB.Stat().TotalConns(); n != 2 {
		t.Errorf("pool holds %d connections, want the 2 the server allows", n)
	}
}

// sharesTwo: twenty calls at once, each holding its connection a moment,
// on a pool of four that the server allows two: every call waits its turn
// and succeeds, in a transaction, a query or a row alike.
func sharesTwo(t *testing.T, svc *Services, _ string) {
	ctx := context.Background()
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			switch i % 3 {
			case 0:
				errs <- pgx.BeginFunc(ctx, svc.Conns, func(tx pgx.Tx) error {
					_, err := tx.Exec(ctx, "SELECT pg_sleep(0.02)")
					return err
				})
			case 1:
				rows, err := svc.Conns.Query(ctx, "SELECT pg_sleep(0.02)")
				if err == nil {
					rows.Close()
					err = rows.Err()
				}
				errs <- err
			default:
				_, err := svc.Conns.Exec(ctx, "SELECT pg_sleep(0.02)")
				errs <- err
			}
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Errorf("a call failed: %v", err)
		}
	}
	if n := svc.DB.Stat().TotalConns(); n > 2 {
		t.Errorf("pool holds %d connections, the server allows 2", n)
	}
}

func readyWhileFull(t *testing.T, svc *Services, roleURL string) {
	fill(t, roleURL)
	begin := time.Now()
	if reason := health.NewReadiness(svc.Checks()...).Reason(context.Background()); reason != "" {
		t.Errorf("readiness while full: %q, want ready", reason)
	}
	if took := time.Since(begin); took > 500*time.Millisecond {
		t.Errorf("readiness took %v", took)
	}
}

// TestDownServerFailsFast: the wait for a full server does not slow the
// failure of one that is not there.
func TestDownServerFailsFast(t *testing.T) {
	t.Parallel()
	pool, err := openPool(fmt.Sprintf("postgres://u@127.0.0.1:%d/db?sslmode=disable", closedPort(t)), nil, PoolSize{FullWait: 5 * time.Second}, &fullness{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	begin := time.Now()
	if _, err := pool.Exec(context.Background(), "SELECT 1"); err == nil || time.Since(begin) > time.Second {
		t.Errorf("ping of a closed port: %v after %v, want an error within 1s", err, time.Since(begin))
	}
}

// closedPort is a port that was just listened on and is now free.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func withSSLMode(t *testing.T, raw, mode string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sslmode", mode)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pool   int32
		server int
		want   bool
	}{
		{"default web pool on 100", 10, 100, false},
		{"exactly half", 50, 100, false},
		{"over half", 51, 100, true},
		{"the chaos pools scenario", 30, 30, true},
		{"unknown server size", 10, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tooLarge(tt.pool, tt.server); got != tt.want {
				t.Errorf("tooLarge(%d, %d) = %v, want %v", tt.pool, tt.server, got, tt.want)
			}
		})
	}
}

// TestWarnPoolSize asks a real server for its max_connections: a pool of
// more than half of it warns once, naming DB_MAX_CONNS; a small one is
// quiet.
func TestWarnPoolSize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	var server int
	probe, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := probe.QueryRow(ctx, "SHOW max_connections").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	_ = probe.Close(ctx)
	if _, err := fmt.Sscan(raw, &server); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		max  int32
		warn bool
	}{
		{"small pool", 2, false},
		{"over half", int32(server/2 + 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, URLs{Database: dbURL, Pool: PoolSize{MaxConns: tt.max}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var buf bytes.Buffer
			s.WarnPoolSize(ctx, slog.New(slog.NewJSONHandler(&buf, nil)))
			lines := strings.Count(buf.String(), "\n")
			if tt.warn && (lines != 1 || !strings.Contains(buf.String(), "DB_MAX_CONNS") || !strings.Contains(buf.String(), fmt.Sprintf(`"max_connections":%d`, server))) {
				t.Errorf("pool %d of %d: want one warning naming DB_MAX_CONNS, got %q", tt.max, server, buf.String())
			}
			if !tt.warn && lines != 0 {
				t.Errorf("pool %d of %d: want no warning, got %q", tt.max, server, buf.String())
			}
		})
	}
}
