package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/leakcheck"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

// ferryBin is the binary under test, built once by TestMain with the
// version stamped the way a release build stamps it. Under -short it is
// not built and every test here is skipped: each one runs the binary.
var ferryBin string

// realProcess is why the tests here skip under -short.
const realProcess = "runs the ferry binary"

func TestMain(m *testing.M) {
	flag.Parse() // testing.Short needs the flags
	dir, err := os.MkdirTemp("", "ferry-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !testing.Short() {
		ferryBin = filepath.Join(dir, "ferry")
		if err := buildFerry(ferryBin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			_ = os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := dbtest.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(suite.Finish(code, testing.Verbose(), os.Stderr))
}

// buildFerry builds the command into bin with the flags this test binary
// was built with, so the build reuses every package `go test` has just
// compiled and only links; other flags (CGO_ENABLED=0, no -race) would
// compile all ~1,200 packages again. deploy's TestStaticBinary proves the
// static release build. -X only changes the link.
func buildFerry(bin string) error {
	const pkg = "github.com/ferryhq/ferry/internal/buildinfo"
	flags, env := sameBuild()
	args := append([]string{"build", "-o", bin, "-ldflags", "-X " + pkg + ".Version=v0.0.0-test -X " + pkg + ".Commit=abc1234"}, flags...)
	build := exec.Command("go", append(args, ".")...)
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build ferry: %w\n%s", err, out)
	}
	return nil
}

// sameBuild reads from the running test binary the build flags and
// environment that decide how packages compile: -race and its kin, build
// tags, -trimpath, compiler flags and CGO_ENABLED.
func sameBuild() (flags, env []string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, nil
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "-race", "-msan", "-asan", "-trimpath":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		case "-tags", "-gcflags", "-asmflags":
			flags = append(flags, s.Key+"="+s.Value)
		case "CGO_ENABLED":
			env = append(env, "CGO_ENABLED="+s.Value)
		}
	}
	return flags, env
}

// suite collects every process's output and every secret the tests used;
// TestMain fails the run if any output holds a secret.
var suite leakcheck.Suite

// proc is a running ferry process whose output the test keeps.
type proc struct {
	cmd    *exec.Cmd
	stdout *syncbuf.Buffer
	stderr *syncbuf.Buffer
	done   chan struct{}
	err    error
}

// baseEnv is the little a process gets from the machine: no stray
// settings from the developer's shell reach the binary under test.
func baseEnv(extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, extra...)
}

// start runs ferry with env and args in dir ("" is a fresh temp dir) and
// kills it when the test ends, whatever happened.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startIn(t, t.TempDir(), env, args...)
}

func startIn(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	return startBin(t, ferryBin, dir, env, args...)
}

// startBin is startIn running the ferry binary at bin.
func startBin(t *testing.T, bin, dir string, env []string, args ...string) *proc {
	t.Helper()
	testkit.SkipShort(t, realProcess) // -short builds no binary; a test that forgot its own guard skips here
	p := &proc{cmd: exec.Command(bin, args...), stdout: suite.Log(), stderr: suite.Log(), done: make(chan struct{})}
	p.cmd.Env, p.cmd.Dir = env, dir
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start ferry %v: %v", args, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("ferry %v stdout:\n%s\nstderr:\n%s", args, p.stdout, p.stderr)
		}
	})
	return p
}

// run runs ferry to completion and returns its exit code and output.
func run(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, t.TempDir(), env, stdin, args...)
}

// runIn is run in the folder dir.
func runIn(t *testing.T, dir string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	testkit.SkipShort(t, realProcess)
	cmd := exec.Command(ferryBin, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = env, dir, strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	// A command's stdout is its answer (create-token prints the token it
	// made); its logs are the JSON lines and stderr.
	suite.Add(errOut.String())
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "{") {
			suite.Add(line)
		}
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run ferry %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// exitCode waits for the process to end and returns its exit code.
func (p *proc) exitCode(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("ferry still running %v after being asked to stop", within)
		return -1
	}
}

// jsonLines checks every stdout line is one JSON object and returns them.
func (p *proc) jsonLines(t *testing.T) []logLine {
	t.Helper()
	var lines []logLine
	sc := bufio.NewScanner(strings.NewReader(p.stdout.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20) // a span line can be long
	for sc.Scan() {
		var m logLine
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("stdout line is not a JSON object: %q", sc.Text())
			continue
		}
		lines = append(lines, m)
	}
	return lines
}

// freePort returns a port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// probe answers one GET with status and decoded JSON body (zero if none).
func probe(url string) (int, readyBody, error) {
	client := http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		return 0, readyBody{}, err
	}
	defer res.Body.Close()
	var body readyBody
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &body)
	return res.StatusCode, body, nil
}

// waitFor polls url until it answers status (and reason, if given).
func waitFor(t *testing.T, p *proc, url string, status int, reason string, within time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	for {
		code, body, err := probe(url)
		if err == nil && code == status && (reason == "" || body.Reason == reason) {
			return time.Since(begin)
		}
		if p != nil {
			select {
			case <-p.done:
				t.Fatalf("ferry exited (%v) while waiting for %s to answer %d", p.err, url, status)
			default:
			}
		}
		if time.Since(begin) > within {
			t.Fatalf("%s did not answer %d %q within %v (last: %d %v %v)", url, status, reason, within, code, body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pidAlive reports whether a process with pid exists.
func pidAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// readPid reads the first line of a pid file.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}
