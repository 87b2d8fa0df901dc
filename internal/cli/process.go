package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
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
	if name == "web" && cfg.Port == cfg.MetricsPort {
		return nil, &config.Error{Var: "METRICS_PORT", Problem: fmt.Sprintf("must differ from PORT (%d): web serves /metrics there, apart from the public port", cfg.Port)}
	}
	p := &process{name: name, cfg: cfg, log: logging.New(e.Stdout, cfg.LogLevel, name), registry: metrics.NewRegistry()}
	p.log.Info("starting", "version", buildinfo.Version, "commit", buildinfo.Commit)
	// The whole configuration, secrets masked, for whoever debugs a
	// deployment (LOG_LEVEL=debug); at info it buried what people look for.
	p.log.Debug("configuration", "config", configAttrs(cfg))
	if p.tracing, err = telemetry.Start(ctx, traceSettings(cfg), name, buildinfo.Version, cfg.AppEnv); err != nil {
		return nil, err
	}
	urls := urlsFrom(cfg, need)
	urls.Tracer, urls.Pool = p.tracing.Provider, poolSize(cfg, name)
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
	go func() {
		p.services.WaitUp(ctx, p.log)
		p.services.WarnPoolSize(ctx, p.log)
	}()
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
// serve on a schema older than its code expects. While Postgres is too
// busy to give a connection for the check, the last answer stands: a
// saturated database is not a stale schema.
func schemaCurrent(s *backing.Services) func(context.Context) error {
	var current atomic.Bool
	return func(ctx context.Context) error {
		st, err := schema.CurrentStatus(ctx, s.DB)
		if err != nil {
			if s.Saturated(err) && current.Load() {
				return nil
			}
			return err
		}
		current.Store(!st.Pending)
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

// endpoint is one HTTP server of a process: a handler on a port.
type endpoint struct {
	h        http.Handler
	port     int
	inflight *server.InFlight                // nil counts nothing
	limit    func(net.Listener) net.Listener // wraps the listener, as with a cap of connections per client; nil for none
}

// serve runs each endpoint until ctx ends, drains them together, runs the
// stops (such as letting running jobs finish), and closes the services.
// Drain and stops share SHUTDOWN_TIMEOUT, which starts once the drain
// delay is over; past it the process is cut off and exits 1.
func (p *process) serve(ctx context.Context, eps []endpoint, delay time.Duration, stops ...func(context.Context) error) error {
	lns, err := p.listen(eps)
	if err != nil {
		return errors.Join(err, p.services.Close())
	}
	stop, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		<-ctx.Done()
		cancel()
	}()
	stopped := make(chan error, 1)
	go func() {
		<-stop.Done() // a signal, or one of the servers failing
		p.ready.ShuttingDown()
		if delay > 0 {
			time.Sleep(delay) // the servers still accept and serve meanwhile
		}
		stopped <- p.runStops(stops)
	}()
	drain := server.Drain{Delay: delay, Timeout: time.Duration(p.cfg.ShutdownTimeout)}
	served := make(chan error, len(eps))
	for i, ep := range eps {
		go func() {
			err := server.Serve(stop, server.New(ep.h, p.log), lns[i], drain, ep.inflight, p.log)
			cancel() // one server failing stops the others
			served <- err
		}()
	}
	var serveErr error
	for range eps {
		if err := <-served; serveErr == nil {
			serveErr = err
		}
	}
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

// listen binds every endpoint's port, or none.
func (p *process) listen(eps []endpoint) ([]net.Listener, error) {
	lns := make([]net.Listener, 0, len(eps))
	for _, ep := range eps {
		ln, err := server.Listen(":" + strconv.Itoa(ep.port))
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, err
		}
		if ep.limit != nil {
			ln = ep.limit(ln)
		}
		p.log.Info("listening", "addr", ln.Addr().String())
		lns = append(lns, ln)
	}
	return lns, nil
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
