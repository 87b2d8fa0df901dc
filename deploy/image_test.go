package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// podman runs Debian's podman on a store of its own in a temp dir, so the
// test neither needs nor touches the machine's images, and no registry: the
// image is deploy/image/Containerfile, FROM scratch.
type podman struct {
	t    *testing.T
	args []string
}

func newPodman(t *testing.T) *podman {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (apt-get install podman runc; .ci/run does)")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc is not installed (apt-get install runc; .ci/run does)")
	}
	dir := t.TempDir()
	p := &podman{t: t, args: []string{
		"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		// vfs needs no overlay or fuse support; cgroupfs no systemd. This
		// sandbox has neither, and crun fails in it where runc works.
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--runtime", "runc",
		"--events-backend", "file",
	}}
	if out, err := p.cmd("info").CombinedOutput(); err != nil {
		t.Skipf("podman cannot run here: %v\n%s", err, out)
	}
	return p
}

func (p *podman) cmd(args ...string) *exec.Cmd {
	return exec.Command("podman", append(append([]string{}, p.args...), args...)...)
}

// run runs podman and returns its stdout, failing the test on an error.
func (p *podman) run(args ...string) string {
	p.t.Helper()
	out, err := p.cmd(args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		p.t.Fatalf("podman %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.TrimSpace(string(out))
}

// runFlags are what `podman run` needs in this kind of sandbox: runc
// (crun cannot set up the container here), ulimits within what the sandbox
// grants (podman otherwise asks for the host's maximum and fails), and the
// host's network (no CNI/netavark or slirp4netns), which also lets the
// container reach the test's Postgres and Redis on 127.0.0.1.
var runFlags = []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "host"}

// TestImage builds the runtime image from the static binary with podman,
// checks its OCI labels, runs `ferry version` and `ferry migrate` in it,
// then `ferry web` against the test's Postgres, Redis and a mounted file
// store until /ready answers 200, and stops it with `podman stop`: exit 0
// after a logged drain.
func TestImage(t *testing.T) {
	testkit.SkipShort(t, "builds the binary and an image, runs containers")
	t.Parallel()
	pm := newPodman(t)
	const version, commit, date = "v9.8.7-image", "c0ffee12", "2026-01-02T03:04:05Z"
	start := time.Now()
	ctx := stageImageContext(t, version, commit, date)
	t.Logf("static binary built in %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	const tag = "localhost/ferry:test"
	pm.run("build", "--quiet", "-f", filepath.Join(ctx, "Containerfile"),
		"--build-arg", "VERSION="+version, "--build-arg", "COMMIT="+commit, "--build-arg", "DATE="+date,
		"-t", tag, ctx)
	t.Logf("image built in %v", time.Since(start).Round(time.Millisecond))

	t.Run("labels", func(t *testing.T) {
		var labels map[string]string
		if err := json.Unmarshal([]byte(pm.run("image", "inspect", "--format", "{{json .Labels}}", tag)), &labels); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"org.opencontainers.image.version":  version,
			"org.opencontainers.image.revision": commit,
			"org.opencontainers.image.created":  date,
			"org.opencontainers.image.source":   "https://github.com/ferryhq/ferry",
		}
		for k, v := range want {
			if labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, labels[k], v)
			}
		}
		if user := pm.run("image", "inspect", "--format", "{{.Config.User}}", tag); user != "65532:65532" {
			t.Errorf("image user %q, want 65532:65532", user)
		}
	})

	t.Run("version", func(t *testing.T) {
		got := pm.run(append(append([]string{"run", "--rm"}, runFlags...), tag, "version")...)
		if want := fmt.Sprintf("ferry %s (commit %s, built %s)", version, commit, date); got != want {
			t.Errorf("ferry version in the image printed %q, want %q", got, want)
		}
	})

	dbURL := dbtest.EmptyURL(t)
	store := t.TempDir()
	if err := os.Chmod(store, 0o777); err != nil { // the image's user is 65532, not the test's
		t.Fatal(err)
	}
	port, metrics := freePort(t), freePort(t)
	env := []string{
		"-e", "DATABASE_URL=" + dbURL, "-e", "REDIS_URL=" + dbtest.RedisURL(t),
		"-e", "BLOB_URL=file:///data", "-e", "PORT=" + strconv.Itoa(port), "-e", "METRICS_PORT=" + strconv.Itoa(metrics),
		"-e", "DRAIN_DELAY=1s", "-e", "SHUTDOWN_TIMEOUT=10s",
	}
	volume := []string{"-v", store + ":/data"}

	t.Run("migrate", func(t *testing.T) {
		pm.run(slices.Concat([]string{"run", "--rm"}, runFlags, env, []string{tag, "migrate"})...)
	})

	t.Run("web", func(t *testing.T) {
		const name = "ferry-image-test-web"
		t.Cleanup(func() { _ = pm.cmd("rm", "--force", name).Run() })
		start := time.Now()
		pm.run(slices.Concat([]string{"run", "--detach", "--name", name}, runFlags, env, volume, []string{tag, "web"})...)
		if err := waitReady(fmt.Sprintf("http://127.0.0.1:%d/ready", port), 30*time.Second); err != nil {
			t.Fatalf("%v\nlogs:\n%s", err, logs(pm, name))
		}
		t.Logf("container start to /ready 200: %v", time.Since(start).Round(time.Millisecond))

		start = time.Now()
		pm.run("stop", "--time", "30", name)
		t.Logf("podman stop took %v", time.Since(start).Round(time.Millisecond))
		if code := pm.run("inspect", "--format", "{{.State.ExitCode}}", name); code != "0" {
			t.Errorf("web exited %s after podman stop, want 0", code)
		}
		out := logs(pm, name)
		for _, want := range []string{`"msg":"signal received, draining"`, `"msg":"draining"`, `"msg":"stopped cleanly"`} {
			if !strings.Contains(out, want) {
				t.Errorf("the logs lack %s:\n%s", want, out)
			}
		}
	})
}

// stageImageContext builds the static binary the way `make image` does
// and lays out the build context deploy/image/Containerfile expects.
func stageImageContext(t *testing.T, version, commit, date string) string {
	t.Helper()
	ctx := t.TempDir()
	const pkg = "github.com/ferryhq/ferry/internal/buildinfo"
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctx, "ferry"),
		"-ldflags", "-s -w -X "+pkg+".Version="+version+" -X "+pkg+".Commit="+commit+" -X "+pkg+".Date="+date,
		"../cmd/ferry")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	copies := map[string]string{
		// twelve-factor:ignore TF3-SECRET-LITERAL the image's /etc/passwd (user names, no password), not a secret
		"image/Containerfile": "Containerfile", "image/passwd": "passwd", "image/group": "group",
		"/etc/ssl/certs/ca-certificates.crt": "ca-certificates.crt",
	}
	for src, dst := range copies {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatalf("the image context needs %s: %v", src, err)
		}
		if err := os.WriteFile(filepath.Join(ctx, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(ctx, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func logs(pm *podman, name string) string {
	out, _ := pm.cmd("logs", name).CombinedOutput()
	return string(out)
}

func waitReady(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not 200 within %v: last %s", url, timeout, last)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
