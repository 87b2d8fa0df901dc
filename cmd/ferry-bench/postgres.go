package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/devstack"
)

// attachPostgres creates a fresh database on the server at
// $TEST_DATABASE_URL, or on a server of our own when that one is
// unreachable, and drops it at the end.
func (b *bench) attachPostgres(ctx context.Context) error {
	admin := b.opts.databaseURL
	u, _ := url.Parse(admin) // checked with the flags
	version, err := serverVersion(ctx, admin)
	if err != nil {
		b.logf("no Postgres at %s (%v); starting one", u.Redacted(), err)
		if admin, err = b.startPostgres(ctx); err != nil {
			return err
		}
		version, err = serverVersion(ctx, admin)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		b.stack.postgres = "Postgres " + version + " (started for the run)"
	} else {
		b.stack.postgres = "Postgres " + version + " at " + u.Host
	}
	return b.createDatabase(ctx, admin)
}

// startPostgres starts a server with devstack, in the temp folder, and
// returns the URL of its maintenance database.
func (b *bench) startPostgres(ctx context.Context) (string, error) {
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{DataDir: filepath.Join(b.dir, "postgres")})
	if err != nil {
		return "", err
	}
	b.onClose("stop postgres", pg.Stop)
	return pg.URL(), nil
}

// serverVersion connects once, with a short deadline, and asks the version.
func serverVersion(ctx context.Context, dsn string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", err
	}
	v, _, _ = strings.Cut(v, " ") // "15.20 (Debian 15.20-0+deb12u1)"
	return v, nil
}

// createDatabase makes ferry_bench_<random> and arranges its drop.
func (b *bench) createDatabase(ctx context.Context, admin string) error {
	name := "ferry_bench_" + randomHex(6)
	b.logf("creating database %s", name)
	if err := execAdmin(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	b.onClose("drop database "+name, func(ctx context.Context) error {
		return execAdmin(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	b.stack.adminURL, b.stack.dbName, b.stack.dbURL = admin, name, u.String()
	return nil
}

// execAdmin runs one statement on the maintenance database.
func execAdmin(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
