// Package dev is `ferry dev`: a local platform that starts real backing
// services, migrates, and runs web, worker and clock as child processes of
// the same binary, the way a platform would run them in production.
package dev

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ferryhq/ferry/internal/devstack"
)

// Options say where dev keeps its state and how it reaches the world.
type Options struct {
	Dir     string   // state folder, usually ./.ferry
	Environ []string // the user's environment; what it sets wins
	Exe     string   // the ferry binary to run the process types with
	Stdout  io.Writer
	Stderr  io.Writer
	Log     *slog.Logger
}

// DevEmail is the account dev creates on its first start.
const DevEmail = "dev@ferry.local"

// Run starts everything, runs until ctx ends or a process fails, then
// drains the processes and stops the services. It returns nil only when
// shutdown was asked for and every process exited cleanly.
func Run(ctx context.Context, o Options) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", o.Dir, err)
	}
	env := toMap(o.Environ)
	svc := &services{log: o.Log}
	defer svc.stop()
	if err := svc.start(ctx, o.Dir, env); err != nil {
		return err
	}
	if err := setDefaults(env); err != nil {
		return err
	}
	out := &prefixer{w: o.Stdout}
	if err := runOnce(ctx, o.Exe, env, out, "", "migrate"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := ensureDevUser(ctx, o, env, out); err != nil {
		return err
	}
	o.Log.Info("ferry is running", "url", env["PUBLIC_URL"], "stop", "Ctrl-C")
	return supervise(ctx, o.Exe, env, out, o.Log)
}

// setDefaults fills what the user left unset with values for one machine.
// Worker and clock get ports of their own: both default to 9090.
func setDefaults(env map[string]string) error {
	defaults := map[string]string{"APP_ENV": "development", "PORT": "3000", "SIGNUP_ENABLED": "true"}
	for k, v := range defaults {
		if env[k] == "" {
			env[k] = v
		}
	}
	if env["PUBLIC_URL"] == "" {
		env["PUBLIC_URL"] = "http://localhost:" + env["PORT"]
	}
	return nil
}

func toMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func toList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// ensureDevUser creates the dev account on the first start and shows its
// password once, on the terminal that started dev; it is never logged.
func ensureDevUser(ctx context.Context, o Options, env map[string]string, out *prefixer) error {
	marker := filepath.Join(o.Dir, "dev-user")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	password := randomPassword()
	err := runOnce(ctx, o.Exe, env, out, password+"\n", "admin", "create-user", "--email", DevEmail, "--password-stdin")
	if err != nil && !strings.Contains(err.Error(), "exists") {
		return fmt.Errorf("create the dev user: %w", err)
	}
	if err := os.WriteFile(marker, []byte(DevEmail+"\n"), 0o600); err != nil {
		return fmt.Errorf("remember the dev user: %w", err)
	}
	if err == nil {
		out.plain(fmt.Sprintf("\n  Sign in to %s as %s with password %s\n  (shown once; it is not stored anywhere readable)\n", env["PUBLIC_URL"], DevEmail, password))
	}
	return nil
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// freePorts gives worker and clock a METRICS_PORT each.
func freePorts(n int) ([]string, error) {
	ports := make([]string, n)
	for i := range ports {
		p, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = strconv.Itoa(p)
	}
	return ports, nil
}
