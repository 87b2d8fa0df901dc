package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// benchEmail is the user that owns every file of the run.
const benchEmail = "bench@example.com"

// prepareFerry migrates the fresh database and makes a user and its token.
func (b *bench) prepareFerry(ctx context.Context) error {
	b.logf("migrating and creating the bench user")
	if _, err := b.ferry(ctx, "", "migrate"); err != nil {
		return err
	}
	if _, err := b.ferry(ctx, randomHex(16)+"\n", "admin", "create-user", "--email", benchEmail, "--password-stdin"); err != nil {
		return err
	}
	token, err := b.ferry(ctx, "", "admin", "create-token", "--email", benchEmail, "--name", "bench")
	b.stack.token = strings.TrimSpace(token)
	return err
}

// ferry runs a one-off ferry command and returns its stdout.
func (b *bench) ferry(ctx context.Context, stdin string, args ...string) (string, error) {
	return harness.RunOnce(ctx, b.stack.ferry, b.ferryEnv(), b.dir, stdin, args...)
}

// ferryEnv is all a ferry process gets: nothing from the caller's shell
// but PATH and HOME.
func (b *bench) ferryEnv(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"DATABASE_URL=" + b.stack.dbURL, "LOG_LEVEL=warn",
	}
	return append(env, extra...)
}

// startWeb starts `ferry web` on a free port and waits for /ready.
func (b *bench) startWeb(ctx context.Context) error {
	web, url, err := b.launchWeb(ctx, "ferry web")
	b.stack.web, b.stack.webURL = web, url
	return err
}

// launchWeb starts one `ferry web`, with extra settings on top of the
// run's, and waits for /ready; it is stopped at the end of the run.
func (b *bench) launchWeb(ctx context.Context, name string, extra ...string) (*child, string, error) {
	port, err := devstack.FreePort()
	if err != nil {
		return nil, "", err
	}
	// Web serves /metrics on METRICS_PORT too; two webs, or a worker on
	// 9090, must not clash on it.
	metricsPort, err := devstack.FreePort()
	if err != nil {
		return nil, "", err
	}
	b.logf("starting %s on 127.0.0.1:%d", name, port)
	cmd := exec.Command(b.stack.ferry, "web")
	cmd.Env = append(b.ferryEnv(append(b.webEnv(port), "METRICS_PORT="+strconv.Itoa(metricsPort))...), extra...)
	cmd.Dir = b.dir
	web, err := startChild(name, cmd)
	if err != nil {
		return nil, "", err
	}
	b.onClose("stop "+name, web.stop)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	return web, url, web.poll(ctx, time.Minute, func(ctx context.Context) error {
		return getOK(ctx, url+"/ready")
	})
}

// webEnv attaches the web process to our Redis and S3 server, with room
// for the big upload and no quota in the way.
func (b *bench) webEnv(port int) []string {
	st := &b.stack
	blob := "s3://" + bucket + "?" + url.Values{
		"endpoint":       {st.s3Endpoint},
		"use_path_style": {"true"},
		"disable_https":  {"true"},
		"region":         {"us-east-1"},
	}.Encode()
	return []string{
		"PORT=" + strconv.Itoa(port),
		"REDIS_URL=" + st.redisURL,
		"BLOB_URL=" + blob,
		"AWS_ACCESS_KEY_ID=" + st.s3Key,
		"AWS_SECRET_ACCESS_KEY=" + st.s3Secret,
		"MAX_UPLOAD_SIZE=" + (b.opts.size + 1<<20).String(),
		"USER_QUOTA=0",
	}
}

// getOK answers nil when GET url says 200.
func getOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
