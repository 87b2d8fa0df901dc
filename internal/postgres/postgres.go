// Package postgres names what Ferry's stores need from Postgres, so one
// function can run on a pool or inside a caller's transaction alike.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is satisfied by *pgxpool.Pool, *pgx.Conn and pgx.Tx.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// TxDB is a DB that can begin a transaction: a pool, or a transaction,
// whose Begin makes a savepoint. Satisfied by *pgxpool.Pool and pgx.Tx.
type TxDB interface {
	DB
	Begin(ctx context.Context) (pgx.Tx, error)
}
