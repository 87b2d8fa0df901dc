package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/buildinfo"
	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/mail"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/thumbnail"
	"github.com/ferryhq/ferry/internal/web"
	"github.com/ferryhq/ferry/internal/webhook"
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
	inserter, err := jobs.NewInserter(p.services.DB, p.log, p.tracing.Provider)
	if err != nil {
		return err
	}
	inflight := &server.InFlight{}
	// One budget for every password hash this process runs, whoever asks.
	hasher := account.NewHasher(int64(p.cfg.HashMemory), account.DefaultHashWait)
	limits := share.Limits{DefaultExpiresIn: time.Duration(p.cfg.DefaultExpiresIn), MaxExpiresIn: time.Duration(p.cfg.MaxExpiresIn)}
	uses := &sharing.Service{
		DB: p.services.Conns, Store: p.services.Store(), Jobs: inserter, Log: p.log, Hasher: hasher,
		Settings: sharing.Settings{
			MaxUploadSize: int64(p.cfg.MaxUploadSize), UserQuota: int64(p.cfg.UserQuota), Shares: limits,
			OrphanGrace: time.Duration(p.cfg.OrphanGrace), PublicURL: p.cfg.PublicURL,
			Mail: p.cfg.SMTPURL != "",
		},
		Webhooks: webhook.Guard{AllowPrivate: p.cfg.WebhookAllowPrivate},
	}
	uploads, err := resumable.New(resumable.Config{
		DB: p.services.Conns, Redis: p.services.Redis, Sharing: uses, BlobURL: p.cfg.BlobURL,
		Expiry: time.Duration(p.cfg.UploadExpiry), Log: p.log,
	})
	if errors.Is(err, resumable.ErrUnsupportedStore) {
		p.log.Warn("resumable uploads are off: " + err.Error())
		uploads, err = nil, nil
	}
	if err != nil {
		return err
	}
	srv := web.New(web.Deps{
		Log: p.log, Ready: p.ready, Registry: p.registry, InFlight: inflight,
		Sharing:  uses,
		Uploads:  uploads,
		Accounts: accounts(p, hasher, inserter),
		Audit:    &audit.Log{DB: p.services.Conns},
		Redis:    p.services.Redis, Tracer: p.tracing.Provider,
		Settings: web.Settings{
			PublicURL:         p.cfg.PublicURL,
			MaxUploadSize:     int64(p.cfg.MaxUploadSize),
			UserQuota:         int64(p.cfg.UserQuota),
			Shares:            limits,
			SignupEnabled:     p.cfg.SignupEnabled,
			SignupRateClient:  p.cfg.SignupRateClient,
			SignupRateTotal:   p.cfg.SignupRateTotal,
			AnonymousUploads:  p.cfg.AnonymousUploads,
			TrustedProxies:    proxies,
			DownloadMode:      p.cfg.DownloadMode,
			UploadIdleTimeout: time.Duration(p.cfg.UploadIdleTimeout),
			UploadMinRate:     int64(p.cfg.UploadMinRate),
			UploadChunkSize:   int64(p.cfg.UploadChunkSize),
			BodyTimeout:       time.Duration(p.cfg.BodyTimeout),
		},
	})
	// The app and its probes face the load balancer on PORT, each client
	// address holding at most MAX_CONNS_PER_CLIENT connections; the probes
	// and /metrics are served again on METRICS_PORT, which stays inside.
	limit := func(ln net.Listener) net.Listener { return server.LimitPerClient(ln, p.cfg.MaxConnsPerClient, proxies) }
	return p.serve(ctx, []endpoint{
		{h: srv.Handler(), port: p.cfg.Port, inflight: inflight, limit: limit},
		{h: web.OpsHandler(p.ready, p.registry), port: p.cfg.MetricsPort},
	}, time.Duration(p.cfg.DrainDelay))
}

// accounts builds the accounts' use cases. With SMTP_URL set, sign-up
// waits for a link mailed by the worker, so that its answer does not tell
// whether an address has an account; the web process sends no mail
// itself, so it only checks the URL is well formed.
func accounts(p *process, h *account.Hasher, inserter *jobs.Client) *account.Service {
	a := &account.Service{DB: p.services.Conns, Params: account.DefaultParams, Hasher: h}
	if p.cfg.SMTPURL != "" {
		a.Mails = jobs.SignupMails{Client: inserter}
	}
	return a
}

// runWorker works the job queue. On SIGTERM it stops fetching and lets
// running jobs finish within SHUTDOWN_TIMEOUT; a job cut off is retried
// by another worker once River rescues it.
func runWorker(ctx context.Context, e Env, args []string) error {
	p, err := startProcess(ctx, e, "worker", args, backing.URLs{Database: need, Blob: need})
	if err != nil {
		return err
	}
	deps, err := workerDeps(p)
	if err != nil {
		return err
	}
	jobs.RegisterQueueDepth(p.registry, p.services.DB)
	runner, err := jobs.NewRunner(deps, jobs.RunnerOptions{
		Concurrency: p.cfg.WorkerConcurrency, ThumbnailConcurrency: p.cfg.ThumbnailWorkers, JobTimeout: time.Duration(p.cfg.JobTimeout), RescueAfter: time.Duration(p.cfg.JobRescueAfter),
		Tracer: p.tracing.Provider, Registry: p.registry,
	})
	if err != nil {
		return err
	}
	started := make(chan struct{})
	p.whenReady(ctx, func() {
		// Start's context would cancel running jobs when it ends; a
		// drain must let them finish, so stopping is Stop's job alone.
		if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
			p.log.Error("start job runner", "error", err.Error())
			return
		}
		close(started)
		p.log.Info("working jobs", "concurrency", p.cfg.WorkerConcurrency, "thumbnail_concurrency", p.cfg.ThumbnailWorkers)
	})
	stopRunner := func(stopCtx context.Context) error {
		select {
		case <-started:
			return runner.Stop(stopCtx)
		default:
			return nil
		}
	}
	return p.serve(ctx, []endpoint{{h: web.OpsHandler(p.ready, p.registry), port: p.cfg.MetricsPort}}, 0, stopRunner)
}

func workerDeps(p *process) (*jobs.Deps, error) {
	d := &jobs.Deps{DB: p.services.DB, Bucket: p.services.Bucket, Direct: p.services.Direct, Log: p.log, Settings: jobs.Settings{
		PublicURL: p.cfg.PublicURL, PurgeAfter: time.Duration(p.cfg.PurgeAfter),
		AuditRetention: time.Duration(p.cfg.AuditRetention),
		OrphanGrace:    time.Duration(p.cfg.OrphanGrace), ThumbnailMaxSource: int64(p.cfg.ThumbnailMaxSource),
		WebhookDisableAfter: time.Duration(p.cfg.WebhookDisableAfter),
	}, Thumbnails: thumbnail.NewBudget(int64(p.cfg.ThumbnailMemory)),
		Webhooks: webhook.NewSender(webhook.Guard{AllowPrivate: p.cfg.WebhookAllowPrivate}, time.Duration(p.cfg.WebhookTimeout))}
	reaper, err := resumable.NewReaper(p.services.DB, p.services.Store(), p.cfg.BlobURL)
	switch {
	case err == nil:
		d.Uploads = reaper
	case !errors.Is(err, resumable.ErrUnsupportedStore):
		return nil, err
	}
	if p.cfg.SMTPURL != "" {
		sender, err := mail.New(p.cfg.SMTPURL, p.cfg.MailFrom)
		if err != nil {
			return nil, &config.Error{Var: "SMTP_URL", Problem: err.Error()}
		}
		d.Mail = sender
	}
	return d, nil
}

// runClock schedules the periodic jobs and does none of their work.
func runClock(ctx context.Context, e Env, args []string) error {
	p, err := startProcess(ctx, e, "clock", args, backing.URLs{Database: need})
	if err != nil {
		return err
	}
	inserter, err := jobs.NewInserter(p.services.DB, p.log, p.tracing.Provider)
	if err != nil {
		return err
	}
	jobs.RegisterQueueDepth(p.registry, p.services.DB)
	go jobs.Schedule(ctx, inserter, []jobs.Periodic{
		{Args: jobs.PurgeArgs{}, Every: time.Duration(p.cfg.PurgeInterval)},
		{Args: jobs.SweepArgs{}, Every: time.Duration(p.cfg.SweepInterval)},
		{Args: jobs.ExpireUploadsArgs{}, Every: time.Duration(p.cfg.SweepInterval)},
		{Args: jobs.AuditPurgeArgs{}, Every: time.Hour},
	}, p.log)
	return p.serve(ctx, []endpoint{{h: web.OpsHandler(p.ready, p.registry), port: p.cfg.MetricsPort}}, 0)
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
