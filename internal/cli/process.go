package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/buildinfo"
	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/schema"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/telemetry"
)

// process is what every long-running process type shares: configuration,
// a logger, attached services, readiness and a metrics registry.
type process struct {
	name     string
	cfg      *config.Config
	log      *slog.Logger
	services *backing.Services
	ready    *health.Readiness
	registry *prometheus.Registry
	tracing  *telemetry.Tracing
	limit    func(net.Listener) net.Listener // wraps the listener served on; nil: none
}

// startProcess loads and checks the configuration, then attaches the
// services the process needs without waiting for them: readiness reports
// a service that is down, and a background loop logs until it is up.
func startProcess(ctx context.Context, e Env, name string, args []string, need backing.URLs) (*process, error) {
	if _, err := noArgs(args); err != nil {
		return nil, err
	}
	cfg, err := config.Load(e.Environ)
	if err != nil {
		return nil, err
	}
	if err := cfg.Require(required(need)...); err != nil {
		return nil, err
	}
	p := &process{name: name, cfg: cfg, log: logging.New(e.Stdout, cfg.LogLevel, name), registry: metrics.NewRegistry()}
	p.log.Info("starting", "version", buildinfo.Version, "commit", buildinfo.Commit, "config", configAttrs(cfg))
	if p.tracing, err = telemetry.Start(ctx, traceSettings(cfg), name, buildinfo.Version, cfg.AppEnv); err != nil {
		return nil, err
	}
	urls := urlsFrom(cfg, need)
	urls.Tracer = p.tracing.Provider
	if p.services, err = backing.Open(ctx, urls); err != nil {
		return nil, err
	}
	metrics.RegisterPools(p.registry, p.services.DB, p.services.Redis)
	checks := p.services.Checks()
	if p.services.DB != nil {
		checks = append(checks, health.Check{Name: "schema", Reason: "schema out of date", Fn: schemaCurrent(p.services)})
	}
	p.ready = health.NewReadiness(checks...)
	metrics.RegisterReadiness(p.registry, p.ready)
	go p.services.WaitUp(ctx, p.log)
	return p, nil
}

func traceSettings(cfg *config.Config) telemetry.Settings {
	return telemetry.Settings{
		Exporter: cfg.OtelTracesExporter, Endpoint: cfg.OtelEndpoint,
		ServiceName: cfg.OtelServiceName, Disabled: cfg.OtelSDKDisabled,
		Sampler: cfg.OtelSampler, SamplerArg: cfg.OtelSamplerArg,
	}
}

// required names the variables a process cannot start without.
func required(need backing.URLs) []string {
	var names []string
	for _, v := range []struct{ set, name string }{{need.Database, "DATABASE_URL"}, {need.Redis, "REDIS_URL"}, {need.Blob, "BLOB_URL"}} {
		if v.set != "" {
			names = append(names, v.name)
		}
	}
	return names
}

// urlsFrom picks from cfg the URLs of the services marked in need.
func urlsFrom(cfg *config.Config, need backing.URLs) backing.URLs {
	var u backing.URLs
	if need.Database != "" {
		u.Database = cfg.DatabaseURL
	}
	if need.Redis != "" {
		u.Redis = cfg.RedisURL
	}
	if need.Blob != "" {
		u.Blob = cfg.BlobURL
	}
	return u
}

// need marks a service as needed; the value is replaced by the config's URL.
const need = "yes"

// schemaCurrent fails while migrations are pending: a process must not
// serve on a schema older than its code expects.
func schemaCurrent(s *backing.Services) func(context.Context) error {
	return func(ctx context.Context) error {
		st, err := schema.CurrentStatus(ctx, s.DB)
		if err != nil {
			return err
		}
		if st.Pending {
			return errors.New("migrations pending")
		}
		return nil
	}
}

func configAttrs(cfg *config.Config) slog.Value {
	var attrs []slog.Attr
	for _, kv := range cfg.Effective() {
		attrs = append(attrs, slog.String(kv[0], kv[1]))
	}
	return slog.GroupValue(attrs...)
}

// serve runs h on port until ctx ends, drains, runs the stops (such as
// letting running jobs finish), and closes the services. Drain and stops
// share SHUTDOWN_TIMEOUT; past it the process is cut off and exits 1.
func (p *process) serve(ctx context.Context, h http.Handler, port int, inflight *server.InFlight, stops ...func(context.Context) error) error {
	ln, err := server.Listen(":" + strconv.Itoa(port))
	if err != nil {
		return errors.Join(err, p.services.Close())
	}
	if p.limit != nil {
		ln = p.limit(ln)
	}
	p.log.Info("listening", "addr", ln.Addr().String())
	stop, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		<-ctx.Done()
		p.ready.ShuttingDown()
		cancel()
	}()
	stopped := make(chan error, 1)
	go func() {
		<-stop.Done()
		stopped <- p.runStops(stops)
	}()
	serveErr := server.Serve(stop, server.New(h, p.log), ln, time.Duration(p.cfg.ShutdownTimeout), inflight, p.log)
	if err := <-stopped; serveErr == nil {
		serveErr = err
	}
	if serveErr != nil {
		return serveErr // past the deadline: a hard stop waits for nothing more
	}
	p.closeServices(5 * time.Second)
	p.log.Info("stopped cleanly")
	return nil
}

// runStops runs each stop within SHUTDOWN_TIMEOUT.
func (p *process) runStops(stops []func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(p.cfg.ShutdownTimeout))
	defer cancel()
	for _, stop := range stops {
		if err := stop(ctx); err != nil {
			p.log.Error("stop cut off work in progress", "error", err.Error())
			return server.ErrCutOff
		}
	}
	return nil
}

// whenReady runs fn once the process is ready (its database up and its
// schema current), or never if ctx ends first.
func (p *process) whenReady(ctx context.Context, fn func()) {
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for p.ready.Reason(ctx) != "" {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		fn()
	}()
}

// closeServices closes the pools, but gives up after limit: closing a
// connection to a database that stopped answering can hang, and a process
// asked to stop must stop.
func (p *process) closeServices(limit time.Duration) {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		done <- errors.Join(p.tracing.Stop(ctx), p.services.Close())
	}()
	select {
	case err := <-done:
		if err != nil {
			p.log.Warn("closing services", logging.Err(err))
		}
	case <-time.After(limit):
		p.log.Warn("closing services took too long; exiting without waiting", "limit", limit.String())
	}
}

// SignalContext is cancelled by the first SIGINT or SIGTERM, which starts a
// drain; a second signal ends the process at once.
func SignalContext(stdout *os.File) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		log := logging.New(stdout, slog.LevelInfo, "signal")
		s := <-sigs
		log.Info("signal received, draining", "signal", s.String())
		cancel()
		s = <-sigs
		log.Warn("second signal, exiting now", "signal", s.String())
		os.Exit(exitFailed)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
