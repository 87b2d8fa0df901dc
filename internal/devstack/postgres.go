// Package devstack starts real backing services from local binaries, for
// `ferry dev` and for tests on machines where none are running: Postgres
// as Postgres, Redis as Redis, never a stand-in for either.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions say where and how to run a local Postgres.
type PostgresOptions struct {
	DataDir string // created if missing, initialised if empty, kept between runs
	Port    int    // 0 picks a free port on 127.0.0.1
	Fast    bool   // for tests: no fsync, no synchronous commit
	Log     *slog.Logger
}

// Postgres is a running server that this process started.
type Postgres struct {
	cmd      *exec.Cmd
	port     int
	done     chan struct{}
	output   *tail
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
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	bin, err := FindPostgresBin()
	if err != nil {
		return nil, err
	}
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	if err := prepareDataDir(ctx, bin, o, owner); err != nil {
		return nil, err
	}
	if o.Port == 0 {
		if o.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	p, err := launch(bin, o, owner)
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx); err != nil {
		_ = p.Stop(context.Background())
		return nil, err
	}
	o.Log.Debug("postgres ready", "port", p.port, "data_dir", o.DataDir)
	return p, nil
}

// FindPostgresBin finds the folder that holds initdb and postgres.
func FindPostgresBin() (string, error) {
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		out, err := exec.Command(pgConfig, "--bindir").Output()
		if dir := strings.TrimSpace(string(out)); err == nil && hasServer(dir) {
			return dir, nil
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) < versionOf(found[j]) })
	for i := len(found) - 1; i >= 0; i-- {
		if hasServer(found[i]) {
			return found[i], nil
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil && hasServer(filepath.Dir(initdb)) {
		return filepath.Dir(initdb), nil
	}
	return "", errors.New("no Postgres server binaries: looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH; install them (apt-get install postgresql) or set DATABASE_URL")
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// versionOf reads 15 from /usr/lib/postgresql/15/bin.
func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// prepareDataDir creates and initialises the data folder, owned by the
// user the server will run as, and clears a pid file a killed run left.
func prepareDataDir(ctx context.Context, bin string, o PostgresOptions, owner *account) error {
	if err := mkdirOwned(o.DataDir, owner); err != nil {
		return err
	}
	if err := owner.canReach(o.DataDir); err != nil {
		return err
	}
	if err := clearStalePid(o.DataDir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(o.DataDir, "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{"-D", o.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
	if o.Fast {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.SysProcAttr = owner.procAttr(false)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	cmd.Dir = o.DataDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", o.DataDir, err, lastLines(string(out), 10))
	}
	return nil
}

// clearStalePid removes postmaster.pid when its process is gone, so a run
// that was killed does not block the next one.
func clearStalePid(dir string) error {
	path := filepath.Join(dir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err == nil && pid > 0 && syscall.Kill(pid, 0) == nil {
		return fmt.Errorf("a Postgres (pid %d) already runs on %s", pid, dir)
	}
	return os.Remove(path)
}

func launch(bin string, o PostgresOptions, owner *account) (*Postgres, error) {
	args := []string{"-D", o.DataDir, "-p", strconv.Itoa(o.Port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="}
	if o.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.SysProcAttr = owner.procAttr(true)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	p := &Postgres{cmd: cmd, port: o.Port, done: make(chan struct{}), output: newTail(20, o.Log)}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// waitReady polls until the server takes a connection, and fails early if
// the server exits, with what it last said.
func (p *Postgres) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, p.URL())
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited at start:\n%s", p.output.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s:\n%s", p.output.String())
		}
	}
}

// Stop asks for a fast shutdown and waits; past ctx or 15 seconds it kills.
func (p *Postgres) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() { p.stopErr = stopProcess(ctx, p.cmd, p.done, syscall.SIGINT) })
	return p.stopErr
}

// stopProcess signals a child we started and waits for it to go.
func stopProcess(ctx context.Context, cmd *exec.Cmd, done chan struct{}, sig syscall.Signal) error {
	select {
	case <-done:
		return nil
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	case <-time.After(15 * time.Second):
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("%s did not stop in time and was killed", filepath.Base(cmd.Path))
}
