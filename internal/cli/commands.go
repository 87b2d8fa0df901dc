package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/buildinfo"
	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/web"
)

func runWeb(ctx context.Context, e Env, args []string) error {
	p, err := startProcess(ctx, e, "web", args, backing.URLs{Database: need, Redis: need, Blob: need})
	if err != nil {
		return err
	}
	proxies, err := p.cfg.Proxies()
	if err != nil {
		return err
	}
	inflight := &server.InFlight{}
	srv := web.New(web.Deps{
		Log: p.log, Ready: p.ready, Registry: p.registry, InFlight: inflight,
		DB: p.services.DB, Redis: p.services.Redis, Bucket: p.services.Bucket,
		Settings: web.Settings{
			PublicURL:     p.cfg.PublicURL,
			MaxUploadSize: int64(p.cfg.MaxUploadSize),
			UserQuota:     int64(p.cfg.UserQuota),
			Shares: share.Limits{
				DefaultExpiresIn: time.Duration(p.cfg.DefaultExpiresIn),
				MaxExpiresIn:     time.Duration(p.cfg.MaxExpiresIn),
			},
			SignupEnabled:    p.cfg.SignupEnabled,
			AnonymousUploads: p.cfg.AnonymousUploads,
			TrustedProxies:   proxies,
			DownloadMode:     p.cfg.DownloadMode,
		},
	})
	return p.serve(ctx, srv.Handler(), p.cfg.Port, inflight)
}

// runWorker and runClock have no jobs yet; they already behave like the
// processes they will be: probed, scraped and drained like web.
func runWorker(ctx context.Context, e Env, args []string) error {
	p, err := startProcess(ctx, e, "worker", args, backing.URLs{Database: need, Blob: need})
	if err != nil {
		return err
	}
	return p.serve(ctx, web.OpsHandler(p.ready, p.registry), p.cfg.MetricsPort, nil)
}

func runClock(ctx context.Context, e Env, args []string) error {
	p, err := startProcess(ctx, e, "clock", args, backing.URLs{Database: need})
	if err != nil {
		return err
	}
	return p.serve(ctx, web.OpsHandler(p.ready, p.registry), p.cfg.MetricsPort, nil)
}

func runConfig(_ context.Context, e Env, args []string) error {
	if _, err := noArgs(args); err != nil {
		return err
	}
	return printConfig(e)
}

func printConfig(e Env) error {
	cfg, err := config.Load(e.Environ)
	if err != nil {
		return err
	}
	for _, kv := range cfg.Effective() {
		fmt.Fprintf(e.Stdout, "%s=%s\n", kv[0], kv[1])
	}
	return nil
}

func runVersion(_ context.Context, e Env, args []string) error {
	flags, err := noArgs(args, "--config")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, buildinfo.String())
	if flags["--config"] {
		return printConfig(e)
	}
	return nil
}

// executable is the running binary, which ferry dev starts again as web,
// worker and clock.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	return exe, nil
}
