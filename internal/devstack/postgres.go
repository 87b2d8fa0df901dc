// Package devstack starts real backing services from local binaries, for
// `ferry dev` and for tests on machines where none are running: Postgres
// as Postgres, and Redis as redis-server (or, without one installed, an
// in-process server speaking the Redis protocol).
package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions say where and how to run a local Postgres.
type PostgresOptions struct {
	DataDir string // created if missing, initialised if empty, kept between runs
	Port    int    // 0 picks a free port on 127.0.0.1
	Fast    bool   // for tests: no fsync, no synchronous commit, no full page writes
	Log     *slog.Logger
}

// Postgres is a running server that this process started.
type Postgres struct {
	proc     *process
	port     int
	stopOnce sync.Once
	stopErr  error
}

// URL reaches the server's postgres database as the postgres superuser.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Port is the TCP port the server listens on.
func (p *Postgres) Port() int { return p.port }

// StartPostgres initialises o.DataDir when it is new, starts the server and
// waits until it accepts connections.
func StartPostgres(ctx context.Context, o PostgresOptions) (*Postgres, error) {
	o, bin, owner, err := preparePostgres(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	p := &Postgres{port: o.Port}
	if p.proc, err = startProcess(postgresCmd(bin, o, owner), o.Log); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := p.proc.waitReady(ctx, 30*time.Second, p.ping); err != nil {
		_ = p.Stop(context.Background())
		return nil, fmt.Errorf("start postgres on %s: %w", o.DataDir, err)
	}
	o.Log.Debug("postgres ready", "port", p.port, "data_dir", o.DataDir)
	return p, nil
}

// preparePostgres fills in the options' defaults and readies the data
// folder: everything before the server itself starts.
func preparePostgres(ctx context.Context, o PostgresOptions) (PostgresOptions, string, *account, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return o, "", nil, fmt.Errorf("data folder: %w", err)
	}
	o.DataDir = abs
	bin, err := FindPostgresBin()
	if err != nil {
		return o, "", nil, err
	}
	owner, err := serverUser()
	if err != nil {
		return o, "", nil, err
	}
	if err := prepareDataDir(ctx, bin, o, owner); err != nil {
		return o, "", nil, err
	}
	if o.Port == 0 {
		o.Port, err = FreePort()
	}
	return o, bin, owner, err
}

// postgresCmd runs the server itself rather than pg_ctl, so the process we
// wait on and signal is the postmaster. Its Unix socket is off: TCP on
// 127.0.0.1 is all we use, and no socket folder needs to be writable.
func postgresCmd(bin string, o PostgresOptions, owner *account) *exec.Cmd {
	args := []string{"-D", o.DataDir, "-p", strconv.Itoa(o.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="}
	if o.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	// SIGINT on our death is Postgres's fast shutdown: SIGTERM (smart)
	// would wait for every client to leave, which may be never.
	cmd.SysProcAttr = owner.procAttr(true)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	return cmd
}

func (p *Postgres) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL())
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// Stop asks for a fast shutdown (SIGINT) and waits; past ctx or ten
// seconds it kills the server. Calling it again returns the first result.
func (p *Postgres) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() { p.stopErr = p.proc.stop(ctx, syscall.SIGINT) })
	return p.stopErr
}
