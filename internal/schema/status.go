package schema

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Status compares the schema in a database with the one this binary carries.
type Status struct {
	Version      int64 // highest Ferry migration applied; 0 when none
	Latest       int64 // highest Ferry migration embedded
	RiverVersion int   // highest River migration applied; 0 when none
	RiverLatest  int   // highest River migration this River version has
	Pending      bool  // some migration of either set is not applied yet
}

// String reads like "ferry schema 1/1, river schema 6/6: up to date".
func (s Status) String() string {
	state := "up to date"
	if s.Pending {
		state = "migrations pending (run ferry migrate)"
	}
	return fmt.Sprintf("ferry schema %d/%d, river schema %d/%d: %s",
		s.Version, s.Latest, s.RiverVersion, s.RiverLatest, state)
}

// CurrentStatus reads the applied versions without changing anything (goose's
// own status calls would create its table), in a few small queries, so /ready
// can call it often. A database with no schema at all is Pending, not an error.
func CurrentStatus(ctx context.Context, db *pgxpool.Pool) (Status, error) {
	var s Status
	var err error
	if s.Latest, err = latestVersion(); err != nil {
		return Status{}, err
	}
	if s.Version, err = ferryVersion(ctx, db); err != nil {
		return Status{}, err
	}
	if s.RiverVersion, s.RiverLatest, err = riverVersions(ctx, db); err != nil {
		return Status{}, err
	}
	s.Pending = s.Version < s.Latest || s.RiverVersion < s.RiverLatest
	return s, nil
}

// ferryVersion is the highest version in goose's table, 0 when it is missing.
func ferryVersion(ctx context.Context, db *pgxpool.Pool) (int64, error) {
	var exists bool
	err := db.QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL").Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("schema status: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v *int64
	if err := db.QueryRow(ctx, "SELECT max(version_id) FROM goose_db_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema status: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// riverVersions returns River's applied and latest versions.
func riverVersions(ctx context.Context, db *pgxpool.Pool) (current, latest int, err error) {
	m, err := newRiverMigrator(db)
	if err != nil {
		return 0, 0, err
	}
	all := m.AllVersions()
	if len(all) > 0 {
		latest = all[len(all)-1].Version
	}
	applied, err := m.ExistingVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("river schema status: %w", err)
	}
	if len(applied) > 0 {
		current = applied[len(applied)-1].Version
	}
	return current, latest, nil
}
