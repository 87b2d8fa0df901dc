// Package dev is `ferry dev`: a local platform that starts real backing
// services, migrates, and runs web, worker and clock as child processes of
// the same binary, the way a platform would run them in production.
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Options say where dev keeps its state and how it reaches the world.
// Stdout takes the children's prefixed lines and must accept whole-line
// writes from several goroutines, as an *os.File does.
type Options struct {
	Dir     string       // state folder; default ".ferry"
	Environ []string     // the user's environment; what it sets wins
	Exe     string       // the ferry binary to run the process types with; default os.Executable()
	Stdout  io.Writer    // children's stdout and stderr, prefixed; the dev user's credentials
	Stderr  io.Writer    // dev's words for people: the note before a start, the summary once ready
	Log     *slog.Logger // dev's own lines
}

// DevEmail is the account dev creates on its first start.
const DevEmail = "dev@ferry.local"

// Run starts everything, runs until ctx ends or a process exits, then
// drains the processes and stops the services. It returns nil only when
// shutdown was asked for and every process exited cleanly.
func Run(ctx context.Context, o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	if err := mkdirShared(o.Dir); err != nil {
		return err
	}
	env := toMap(o.Environ)
	svc := &services{log: o.Log}
	defer svc.stop()
	startingNote(o.Stderr, o.Dir, env)
	if err := svc.start(ctx, o.Dir, env); err != nil {
		return interrupted(ctx, o.Log, err)
	}
	setDefaults(env)
	if err := writeURLs(o.Dir, env); err != nil {
		o.Log.Warn("one-off commands will not find the dev services", "error", err.Error())
	}
	out := &prefixer{w: o.Stdout}
	if err := runOnce(ctx, o.Exe, env, out, "", "migrate"); err != nil {
		return interrupted(ctx, o.Log, fmt.Errorf("migrate: %w", err))
	}
	if err := ensureDevUser(ctx, o, env, out); err != nil {
		return interrupted(ctx, o.Log, err)
	}
	return supervise(ctx, o, env, out)
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		o.Dir = ".ferry"
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, fmt.Errorf("dev folder: %w", err)
	}
	o.Dir = dir
	if o.Exe == "" {
		if o.Exe, err = os.Executable(); err != nil {
			return o, fmt.Errorf("find the ferry binary: %w", err)
		}
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(o.Stdout, nil)).With("process", "dev")
	}
	return o, nil
}

// mkdirShared creates the state folder open to other users (0755 whatever
// the umask): the Postgres under it may run as the postgres user.
func mkdirShared(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dev folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return nil
}

// interrupted turns a failure caused by a shutdown request during start
// into the clean exit the request asked for.
func interrupted(ctx context.Context, log *slog.Logger, err error) error {
	if ctx.Err() != nil {
		log.Info("stopped while starting", "step", err.Error())
		return nil
	}
	return err
}

// setDefaults fills what the user left unset with values for one machine.
func setDefaults(env map[string]string) {
	defaults := map[string]string{"APP_ENV": "development", "PORT": "3000", "SIGNUP_ENABLED": "true"}
	for k, v := range defaults {
		if env[k] == "" {
			env[k] = v
		}
	}
	if env["PUBLIC_URL"] == "" {
		env["PUBLIC_URL"] = "http://localhost:" + env["PORT"]
	}
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

// toList renders env for a child; extra pairs override it.
func toList(env map[string]string, extra ...string) []string {
	out := make([]string, 0, len(env)+len(extra))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return append(out, extra...)
}
