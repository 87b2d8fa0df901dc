package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// chaosEmail is the user that owns every file of the run.
const chaosEmail = "chaos@example.com"

// ferryProc is one long-running ferry process: a web, the worker or a
// clock. A restart starts a new process with the same name and ports.
type ferryProc struct {
	name        string   // "web-a", "worker", "clock-1"
	command     string   // web, worker or clock
	port        int      // $PORT, for a web
	metricsPort int      // $METRICS_PORT: /health, /ready and /metrics
	extra       []string // settings on top of the suite's, such as a smaller pool
	proc        *child
}

// prepareFerry migrates the database and makes the user and its token.
func (s *suite) prepareFerry(ctx context.Context) error {
	s.logf("migrating and creating the chaos user")
	if _, err := s.ferryOnce(ctx, "", "migrate"); err != nil {
		return err
	}
	s.stack.pass = randomHex(16)
	if _, err := s.ferryOnce(ctx, s.stack.pass+"\n", "admin", "create-user", "--email", chaosEmail, "--password-stdin"); err != nil {
		return err
	}
	token, err := s.ferryOnce(ctx, "", "admin", "create-token", "--email", chaosEmail, "--name", "chaos")
	s.stack.token = strings.TrimSpace(token)
	return err
}

// signIn logs the suite user in through nginx, as a browser would, and
// keeps the session cookie.
func (s *suite) signIn(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{"email": chaosEmail, "password": s.stack.pass})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.stack.baseURL+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		return fmt.Errorf("login: %s, %d cookies", resp.Status, len(resp.Cookies()))
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	s.stack.cookie = strings.Join(pairs, "; ")
	return nil
}

// ferryOnce runs a one-off ferry command and returns its stdout.
func (s *suite) ferryOnce(ctx context.Context, stdin string, args ...string) (string, error) {
	return harness.RunOnce(ctx, s.stack.ferry, s.ferryEnv(), s.dir, stdin, args...)
}

// planWebs picks the two webs' ports; nginx needs them before they start.
func (s *suite) planWebs(context.Context) error {
	for _, name := range []string{"web-a", "web-b"} {
		w, err := s.newFerryProc(name, "web")
		if err != nil {
			return err
		}
		if w.port, err = devstack.FreePort(); err != nil {
			return err
		}
		s.stack.webs = append(s.stack.webs, w)
	}
	return nil
}

// newFerryProc names a process and picks its metrics port.
func (s *suite) newFerryProc(name, command string) (*ferryProc, error) {
	port, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	return &ferryProc{name: name, command: command, metricsPort: port}, nil
}

// startFerry starts p and waits until it is ready: /ready on $PORT for a
// web, /health on $METRICS_PORT for the worker and a clock.
func (s *suite) startFerry(ctx context.Context, p *ferryProc) error {
	cmd := exec.Command(s.stack.ferry, p.command)
	cmd.Env = append(s.ferryEnv(p.env()...), p.extra...)
	cmd.Dir = s.dir
	c, err := startChild(p.name, s.logDir(), cmd)
	if err != nil {
		return err
	}
	p.proc = c
	s.onClose("stop "+p.name, func(ctx context.Context) error { return p.stop(ctx) })
	return c.poll(ctx, time.Minute, func(ctx context.Context) error { return getOK(ctx, p.readyURL()) })
}

// env is what this process gets on top of the suite's settings.
func (p *ferryProc) env() []string {
	env := []string{"METRICS_PORT=" + strconv.Itoa(p.metricsPort)}
	if p.port != 0 {
		env = append(env, "PORT="+strconv.Itoa(p.port))
	}
	return env
}

// readyURL is where the process says it is ready.
func (p *ferryProc) readyURL() string {
	if p.command == "web" {
		return fmt.Sprintf("http://127.0.0.1:%d/ready", p.port)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/health", p.metricsPort)
}

// stop sends SIGTERM and waits for the exit, killing it past ctx.
func (p *ferryProc) stop(ctx context.Context) error {
	if p.proc == nil {
		return nil
	}
	return p.proc.stop(ctx)
}

// drainDelay is the webs' DRAIN_DELAY: long enough for the endpoints
// watcher to see /ready turn 503 and reload nginx (a few hundred
// milliseconds) with room to spare on a busy machine.
const drainDelay = 3 * time.Second

// ferryEnv is all a ferry process gets: nothing from the caller's shell
// but PATH and HOME. The sweep and the rescue of jobs run on short
// timers, so a scenario sees them act; the rest is production-like.
func (s *suite) ferryEnv(extra ...string) []string {
	st := s.stack
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"LOG_LEVEL=info",
		"DATABASE_URL=" + st.pg.appURL(),
		"REDIS_URL=" + st.redis.url(),
		"BLOB_URL=" + s.blobURL(),
		"AWS_ACCESS_KEY_ID=" + st.s3.key,
		"AWS_SECRET_ACCESS_KEY=" + st.s3.secret,
		"PUBLIC_URL=" + st.baseURL,
		"TRUSTED_PROXIES=127.0.0.1",
		"USER_QUOTA=0",
		"MAX_UPLOAD_SIZE=1GiB",
		"SWEEP_INTERVAL=2s", "ORPHAN_GRACE=3s", "PURGE_INTERVAL=2s",
		"JOB_TIMEOUT=10s", "JOB_RESCUE_AFTER=12s",
		"SHUTDOWN_TIMEOUT=20s", "DRAIN_DELAY=" + drainDelay.String(),
	}
	return append(env, extra...)
}

// blobURL attaches Ferry to the bucket on versitygw.
func (s *suite) blobURL() string {
	return "s3://" + bucket + "?" + url.Values{
		"endpoint":       {s.stack.s3.endpoint()},
		"use_path_style": {"true"},
		"disable_https":  {"true"},
		"region":         {"us-east-1"},
	}.Encode()
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
