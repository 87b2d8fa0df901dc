package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/admin"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/dev"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/schema"
	"github.com/ferryhq/ferry/internal/session"
)

// connect opens the database for a one-off command and fails fast with a
// clear line when it cannot be reached: a one-off has nobody to wait for.
func connect(ctx context.Context, e Env) (*config.Config, *pgxpool.Pool, error) {
	cfg, err := config.Load(e.Environ)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Require("DATABASE_URL"); err != nil {
		return nil, nil, err
	}
	pool, err := backing.OpenDB(cfg.DatabaseURL, nil)
	if err != nil {
		return nil, nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("database unreachable: %w", err)
	}
	return cfg, pool, nil
}

// devFolder is the state folder of a `ferry dev` run in the working folder.
const devFolder = ".ferry"

// withDevStack fills the service URLs e's environment leaves unset from
// the ones a `ferry dev` in this folder recorded, and says so on stderr.
// The environment wins; APP_ENV=production never reads the file.
func withDevStack(e Env) (Env, error) {
	environ, used, err := dev.StackEnviron(devFolder, e.Environ)
	if err != nil {
		return e, err
	}
	if len(used) > 0 {
		fmt.Fprintf(e.Stderr, "ferry: using %s from ./%s/%s (recorded by ferry dev); set them to use other services\n",
			strings.Join(used, ", "), devFolder, dev.URLsFile)
	}
	e.Environ = environ
	return e, nil
}

func runMigrate(ctx context.Context, e Env, args []string) error {
	flags, err := noArgs(args, "--status")
	if err != nil {
		return err
	}
	if e, err = withDevStack(e); err != nil {
		return err
	}
	cfg, pool, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer pool.Close()
	if flags["--status"] {
		st, err := schema.CurrentStatus(ctx, pool)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, st)
		return nil
	}
	return schema.Migrate(ctx, pool, logging.New(e.Stdout, cfg.LogLevel, "migrate"))
}

func runAdmin(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		return errHelp
	}
	e, err := withDevStack(e)
	if err != nil {
		return err
	}
	var pool *pgxpool.Pool
	defer func() {
		if pool != nil {
			pool.Close()
		}
	}()
	b := admin.Backends{DB: func(ctx context.Context) (*pgxpool.Pool, error) {
		var err error
		_, pool, err = connect(ctx, e)
		return pool, err
	}}
	if cfg, err := config.Load(e.Environ); err == nil && cfg.RedisURL != "" {
		b.EndSessions = func(ctx context.Context, userID string) error { return endSessions(ctx, cfg.RedisURL, userID) }
	}
	err = admin.RunWith(ctx, args, admin.IO{Stdin: e.Stdin, Stdout: e.Stdout, Stderr: e.Stderr}, b)
	var ue *admin.UsageError
	if errors.As(err, &ue) {
		return &usageError{ue.Error()}
	}
	return err
}

func runDev(ctx context.Context, e Env, args []string) error {
	if _, err := noArgs(args); err != nil {
		return err
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(devFolder)
	if err != nil {
		return fmt.Errorf("find working folder: %w", err)
	}
	return dev.Run(ctx, dev.Options{
		Dir: dir, Environ: e.Environ, Exe: exe, Stdout: e.Stdout, Stderr: e.Stderr,
		Log: logging.New(e.Stdout, slog.LevelInfo, "dev"),
	})
}

// epochPrefix is where the web keeps its sign-out epochs: its Redis
// prefix, "ferry:", and "epoch:" (web.Settings.RedisPrefix).
const epochPrefix = "ferry:epoch:"

// endSessions raises userID's sign-out epoch in the Redis at url, which
// ends every browser session of the user on every web at once.
func endSessions(ctx context.Context, url, userID string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return session.Epochs{Redis: rdb, Prefix: epochPrefix}.Raise(ctx, userID)
}
