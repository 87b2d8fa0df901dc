package devstack

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestMain doubles as a process that starts servers and is then killed:
// with DEVSTACK_HELPER_DIR set the test binary starts Postgres and Redis
// there, prints their pids and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DEVSTACK_HELPER_DIR"); dir != "" {
		os.Exit(helper(dir))
	}
	goleak.VerifyTestMain(m)
}

func helper(dir string) int {
	ctx := context.Background()
	pg, err := StartPostgres(ctx, PostgresOptions{DataDir: filepath.Join(dir, "data"), Fast: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r, err := StartRedis(ctx, RedisOptions{Dir: filepath.Join(dir, "redis")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(pg.proc.cmd.Process.Pid, r.proc.cmd.Process.Pid)
	select {}
}

// TestServersDieWithStarter: when the process that started the servers is
// killed outright, with no chance to stop them, they go too.
func TestServersDieWithStarter(t *testing.T) {
	testkit.SkipShort(t, "starts Postgres and Redis in a child process")
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "DEVSTACK_HELPER_DIR="+tempDir(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pgPid, redisPid int
	if _, err := fmt.Fscan(bufio.NewReader(out), &pgPid, &redisPid); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("helper: %v", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	for name, pid := range map[string]int{"postgres": pgPid, "redis-server": redisPid} {
		if !gone(pid, 15*time.Second) {
			t.Errorf("%s (pid %d) outlived the process that started it", name, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// gone polls until pid no longer exists. The servers' parent is dead, so
// init reaps them and the pid disappears.
func gone(pid int, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
	}
	return false
}
