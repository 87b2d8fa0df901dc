// Package schema owns Ferry's database schema: the numbered SQL migrations
// embedded in the binary and River's queue tables, applied together by
// `ferry migrate` and checked by /ready.
package schema

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var embedded embed.FS

// Migrations returns Ferry's embedded migration files (not River's), at the
// root of the file system as goose expects them.
func Migrations() fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		// fs.Sub only fails on an invalid path, and this one is a constant.
		panic(err)
	}
	return sub
}

// newRiverMigrator returns River's migrator for db. River's logger is muted:
// Migrate logs each applied version itself, in the same shape as ours.
func newRiverMigrator(db *pgxpool.Pool) (*rivermigrate.Migrator[pgx.Tx], error) {
	m, err := rivermigrate.New(riverpgxv5.New(db), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	return m, nil
}

// Fingerprint is a short hash over every migration this binary carries,
// Ferry's and River's. Two binaries with the same fingerprint build the same
// schema, so test helpers use it to name a migrated template database.
func Fingerprint() string {
	h := sha256.New()
	names, _ := fs.Glob(Migrations(), "*.sql") // the pattern is valid
	for _, name := range names {
		b, _ := fs.ReadFile(Migrations(), name) // listed just above
		fmt.Fprintf(h, "%s\x00%d\x00%s", name, len(b), b)
	}
	if m, err := newRiverMigrator(nil); err == nil {
		for _, v := range m.AllVersions() {
			fmt.Fprintf(h, "river\x00%d\x00%d\x00%s", v.Version, len(v.SQLUp), v.SQLUp)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// latestVersion is the highest version among the embedded migrations.
func latestVersion() (int64, error) {
	names, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	var latest int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", name, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}
