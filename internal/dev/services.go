package dev

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/devstack"
)

// services are the backing services dev started itself.
type services struct {
	log *slog.Logger
	pg  *devstack.Postgres
	rds *devstack.Redis
}

// start brings up whatever the user did not point at with a URL.
func (s *services) start(ctx context.Context, dir string, env map[string]string) error {
	if env["DATABASE_URL"] == "" {
		dbURL, err := s.startPostgres(ctx, dir)
		if err != nil {
			return err
		}
		env["DATABASE_URL"] = dbURL
	}
	if env["REDIS_URL"] == "" {
		r, err := devstack.StartRedis(ctx, devstack.RedisOptions{Dir: filepath.Join(dir, "redis"), Log: s.log, Persist: true})
		if err != nil {
			return err
		}
		s.rds, env["REDIS_URL"] = r, r.URL()
		s.log.Info("redis started", "url", r.URL())
	}
	if env["BLOB_URL"] == "" {
		blob, err := blobURL(filepath.Join(dir, "blobs"))
		if err != nil {
			return err
		}
		env["BLOB_URL"] = blob
	}
	return nil
}

// blobURL makes a file:// bucket in dir. no_tmp_dir keeps partial uploads
// beside the bucket, on its filesystem, so finishing one is a rename.
func blobURL(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create blob folder: %w", err)
	}
	u := url.URL{Scheme: "file", Path: dir, RawQuery: "create_dir=true&no_tmp_dir=true"}
	return u.String(), nil
}

// state is what dev remembers between runs.
type state struct {
	PostgresPort int `json:"postgres_port"`
}

// startPostgres runs Postgres on the port it had last time when that port
// is free, so URLs people copied keep working, and makes the ferry database.
func (s *services) startPostgres(ctx context.Context, dir string) (string, error) {
	statePath := filepath.Join(dir, "state.json")
	st := readState(statePath)
	if !portFree(st.PostgresPort) {
		st.PostgresPort = 0
	}
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{DataDir: filepath.Join(dir, "postgres"), Port: st.PostgresPort, Log: s.log})
	if err != nil {
		return "", err
	}
	s.pg = pg
	st.PostgresPort = pg.Port()
	if err := writeState(statePath, st); err != nil {
		s.log.Warn("the Postgres port will change next time", "error", err.Error())
	}
	if err := createDatabase(ctx, pg.URL(), "ferry"); err != nil {
		return "", err
	}
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/ferry?sslmode=disable", pg.Port())
	s.log.Info("postgres started", "url", dbURL)
	return dbURL, nil
}

// readState returns what the last run saved; a missing or damaged file
// just means starting afresh.
func readState(path string) state {
	var st state
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &st)
	}
	return st
}

func writeState(path string, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode dev state: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save dev state: %w", err)
	}
	return nil
}

func portFree(port int) bool {
	if port == 0 {
		return false
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to dev postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// stop ends the services dev started, Redis first, then Postgres.
func (s *services) stop() {
	if s.rds != nil {
		if err := s.rds.Stop(); err != nil {
			s.log.Warn("stop redis", "error", err.Error())
		}
	}
	if s.pg != nil {
		if err := s.pg.Stop(context.Background()); err != nil {
			s.log.Warn("stop postgres", "error", err.Error())
		}
		s.log.Info("postgres stopped")
	}
}
