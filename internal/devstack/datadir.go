package devstack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

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
	return initdb(ctx, bin, o, owner)
}

func initdb(ctx context.Context, bin string, o PostgresOptions, owner *account) error {
	args := []string{"-D", o.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
	if o.Fast {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.SysProcAttr = owner.procAttr(false)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	cmd.Dir = o.DataDir // our own working folder may be closed to the server's user
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", o.DataDir, err, lastLines(string(out), 10))
	}
	return nil
}

// clearStalePid removes postmaster.pid when its process is gone, so a run
// that was killed does not block the next one. A live pid that is not a
// postgres is stale too: after a reboot or in a new container the number
// is often reused.
func clearStalePid(dir string) error {
	path := filepath.Join(dir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err == nil && pid > 0 && syscall.Kill(pid, 0) == nil && isPostgres(pid) {
		return fmt.Errorf("a Postgres (pid %d) already runs on %s", pid, dir)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale %s: %w", path, err)
	}
	return nil
}

// isPostgres tells whether pid runs the postgres binary; where /proc is
// not there to ask, a live pid is taken to be one.
func isPostgres(pid int) bool {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true
	}
	return strings.TrimSpace(string(comm)) == "postgres"
}
