package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/devstack"
)

// maxConnections is the private Postgres's max_connections: small, so
// that the pools scenario can ask for more than it has. Ferry's processes
// may fill all but the 3 slots kept for superusers, which the suite's own
// queries use.
const maxConnections = 30

// postgresServer is the private Postgres: devstack's starter, restarted
// on the same folder and port for outages.
type postgresServer struct {
	dataDir string
	port    int
	pg      *devstack.Postgres
}

// startPostgres initialises a server in the temp folder, lowers its
// max_connections (ALTER SYSTEM, then a restart) and creates Ferry's
// database.
func (s *suite) startPostgres(ctx context.Context) error {
	s.logf("starting postgres")
	p := &postgresServer{dataDir: filepath.Join(s.dir, "postgres")}
	s.stack.pg = p
	s.onClose("stop postgres", p.stop)
	if err := p.start(ctx); err != nil {
		return err
	}
	if err := execSQL(ctx, p.adminURL(), "ALTER SYSTEM SET max_connections = "+strconv.Itoa(maxConnections)); err != nil {
		return fmt.Errorf("set max_connections: %w", err)
	}
	if err := p.restart(ctx, 0); err != nil {
		return err
	}
	// Ferry connects as a role of its own, as in production, not as a
	// superuser: the slots Postgres keeps for superusers
	// (superuser_reserved_connections) then stay free for the suite's own
	// checks, even while Ferry's pools fill the server.
	if err := execSQL(ctx, p.adminURL(), "CREATE ROLE ferry LOGIN"); err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	return execSQL(ctx, p.adminURL(), "CREATE DATABASE ferry OWNER ferry")
}

// start runs the server, on the port of its first start after that.
func (p *postgresServer) start(ctx context.Context) error {
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{DataDir: p.dataDir, Port: p.port, Fast: true})
	if err != nil {
		return err
	}
	p.pg, p.port = pg, pg.Port()
	return nil
}

// stop is Postgres's fast shutdown (what `pg_ctl stop -m fast` sends):
// open sessions are cut, and the server exits at once.
func (p *postgresServer) stop(ctx context.Context) error {
	if p.pg == nil {
		return nil
	}
	err := p.pg.Stop(ctx)
	p.pg = nil
	return err
}

// restart stops the server, stays away for down, and starts it again on
// the same folder and port.
func (p *postgresServer) restart(ctx context.Context, down time.Duration) error {
	if err := p.stop(ctx); err != nil {
		return err
	}
	if !sleepCtx(ctx, down) {
		return ctx.Err()
	}
	return p.start(ctx)
}

// adminURL reaches the maintenance database.
func (p *postgresServer) adminURL() string { return p.url("postgres") }

// ferryURL reaches the database Ferry runs on, as a superuser: the
// suite's own checks.
func (p *postgresServer) ferryURL() string { return p.url("ferry") }

// appURL is Ferry's DATABASE_URL: its database, as its own role.
func (p *postgresServer) appURL() string {
	return fmt.Sprintf("postgres://ferry@127.0.0.1:%d/ferry?sslmode=disable", p.port)
}

func (p *postgresServer) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// execSQL runs one statement on its own short-lived connection.
func execSQL(ctx context.Context, url, sql string, args ...any) error {
	conn, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// connect opens one connection with a short deadline.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

// sleepCtx waits d or until ctx ends, and reports whether to go on.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
