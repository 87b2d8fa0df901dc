// Package config reads Ferry's settings from the environment, and only from
// there, into one struct that every process type shares.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/ferryhq/ferry/internal/units"
)

// Environments Ferry knows. Only production changes what is allowed.
const (
	Development = "development"
	Staging     = "staging"
	Production  = "production"
)

// Config holds every setting. Tags say which variable feeds a field, its
// default, which commands read it (cmd) and whether it is a secret, which
// makes a *_FILE variant available and masks it when printed.
type Config struct {
	AppEnv             string         `env:"APP_ENV" envDefault:"development" cmd:"all" help:"development, staging or production; production refuses unsafe settings"`
	LogLevel           slog.Level     `env:"LOG_LEVEL" envDefault:"info" cmd:"all" help:"debug, info, warn or error"`
	Port               int            `env:"PORT" envDefault:"3000" cmd:"web" help:"TCP port the web process listens on"`
	MetricsPort        int            `env:"METRICS_PORT" envDefault:"9090" cmd:"web,worker,clock" help:"port for /health, /ready and /metrics of every process type; keep it off the public network (web serves the app and its probes on PORT, never /metrics)"`
	PublicURL          string         `env:"PUBLIC_URL" cmd:"web,worker" help:"address users reach Ferry at, used in share links; https in production"`
	DatabaseURL        string         `env:"DATABASE_URL" secret:"true" cmd:"web,worker,clock,migrate,admin" help:"Postgres URL, postgres://user:pass@host:5432/db"`
	RedisURL           string         `env:"REDIS_URL" secret:"true" cmd:"web,admin" help:"Redis URL for sessions and rate limits, redis:// or rediss://; admin reset-password uses it to end the user's browser sessions"`
	BlobURL            string         `env:"BLOB_URL" secret:"true" cmd:"web,worker" help:"object storage: s3://bucket?endpoint=...&use_path_style=true, gs://, azblob://; file:// and mem:// outside production"`
	SMTPURL            string         `env:"SMTP_URL" secret:"true" cmd:"web,worker" help:"mail server, smtp://user:pass@host:587 (STARTTLS) or smtps://; empty logs mail instead. Set on web, sign-up waits for a mailed link and does not tell whether an address has an account"`
	MailFrom           string         `env:"MAIL_FROM" envDefault:"Ferry <ferry@localhost>" cmd:"worker" help:"sender address of mail"`
	MaxUploadSize      units.Bytes    `env:"MAX_UPLOAD_SIZE" envDefault:"10GiB" cmd:"web" help:"largest upload: one PUT body, or all files of one multipart request; bytes or units like 500MB, 10GiB"`
	UploadChunkSize    units.Bytes    `env:"UPLOAD_CHUNK_SIZE" envDefault:"50MiB" cmd:"web" help:"size of each PATCH the upload page sends over tus; under 100 MB, so a proxy's body limit (Cloudflare's 100 MB) never bites"`
	UploadExpiry       units.Duration `env:"UPLOAD_EXPIRY" envDefault:"24h" cmd:"web,worker" help:"how long an unfinished resumable (tus) upload may be continued before it is deleted"`
	UserQuota          units.Bytes    `env:"USER_QUOTA" envDefault:"50GiB" cmd:"web,admin" help:"storage per user; 0 means no limit"`
	DefaultExpiresIn   units.Duration `env:"DEFAULT_EXPIRES_IN" envDefault:"7d" cmd:"web" help:"share lifetime when the uploader names none (90m, 24h, 7d)"`
	MaxExpiresIn       units.Duration `env:"MAX_EXPIRES_IN" envDefault:"30d" cmd:"web" help:"longest share lifetime a user may ask for"`
	SignupEnabled      bool           `env:"SIGNUP_ENABLED" envDefault:"false" cmd:"web" help:"let anyone create an account"`
	SignupRateClient   int            `env:"SIGNUP_RATE_CLIENT" envDefault:"5" cmd:"web" help:"signups an hour from one client (an IPv4 address or an IPv6 /64), counted before any password is hashed"`
	SignupRateTotal    int            `env:"SIGNUP_RATE_TOTAL" envDefault:"100" cmd:"web" help:"signups an hour from everyone together, across replicas"`
	HashMemory         units.Bytes    `env:"HASH_MEMORY" envDefault:"128MiB" cmd:"web" help:"memory one web process lets password hashes (argon2id, 19MiB each) hold at once; more must wait, then get 503"`
	AnonymousUploads   bool           `env:"ANONYMOUS_UPLOADS" envDefault:"false" cmd:"web" help:"accept uploads without an account (curl use), rate limited"`
	TrustedProxies     []string       `env:"TRUSTED_PROXIES" cmd:"web" help:"comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed; empty trusts none"`
	UploadIdleTimeout  units.Duration `env:"UPLOAD_IDLE_TIMEOUT" envDefault:"30s" cmd:"web" help:"an upload body that sends nothing for this long is cut off; a slow upload that keeps sending runs as long as it needs"`
	UploadMinRate      units.Bytes    `env:"UPLOAD_MIN_RATE" envDefault:"500B" cmd:"web" help:"bytes a second an upload body must average over each UPLOAD_IDLE_TIMEOUT, counting only time spent waiting for the client; a body that trickles slower is cut off (400). 0 means any progress will do"`
	BodyTimeout        units.Duration `env:"BODY_TIMEOUT" envDefault:"10s" cmd:"web" help:"time to send the whole body of a request that is not an upload (JSON, forms)"`
	MaxConnsPerClient  int            `env:"MAX_CONNS_PER_CLIENT" envDefault:"64" cmd:"web" help:"connections one client address may hold open at once; counts direct peers only, and peers in TRUSTED_PROXIES are exempt; 0 means no cap"`
	DownloadMode       string         `env:"DOWNLOAD_MODE" envDefault:"proxy" cmd:"web" help:"proxy streams downloads through Ferry; redirect sends a short-lived signed storage URL"`
	WorkerConcurrency  int            `env:"WORKER_CONCURRENCY" envDefault:"10" cmd:"worker" help:"jobs one worker process runs at once"`
	JobTimeout         units.Duration `env:"JOB_TIMEOUT" envDefault:"10m" cmd:"worker" help:"a job running longer is cancelled and retried"`
	JobRescueAfter     units.Duration `env:"JOB_RESCUE_AFTER" envDefault:"15m" cmd:"worker" help:"a job left running by a worker that died is retried after this; more than JOB_TIMEOUT"`
	ThumbnailMaxSource units.Bytes    `env:"THUMBNAIL_MAX_SOURCE" envDefault:"50MiB" cmd:"worker" help:"largest image a thumbnail is made from"`
	ThumbnailMemory    units.Bytes    `env:"THUMBNAIL_MEMORY" envDefault:"256MiB" cmd:"worker" help:"memory all thumbnail jobs of a worker may decode images into at once; an image that needs more gets no thumbnail"`
	ThumbnailWorkers   int            `env:"THUMBNAIL_CONCURRENCY" envDefault:"2" cmd:"worker" help:"thumbnail jobs one worker runs at once, on their own queue beside WORKER_CONCURRENCY"`
	PurgeAfter         units.Duration `env:"PURGE_AFTER" envDefault:"24h" cmd:"worker" help:"how long expired or spent shares, and files no share needs, are kept before deletion"`
	OrphanGrace        units.Duration `env:"ORPHAN_GRACE" envDefault:"1h" cmd:"web,worker" help:"an object with no row for this long is deleted by the sweep, and an S3 multipart upload begun before it with no part since is aborted; web commits an upload's row within half of it or gives up (503), so set it alike on both"`
	AuditRetention     units.Duration `env:"AUDIT_RETENTION" envDefault:"365d" cmd:"worker" help:"audit log events older than this are deleted, by a job the clock schedules hourly"`
	PurgeInterval      units.Duration `env:"PURGE_INTERVAL" envDefault:"1m" cmd:"clock" help:"how often the clock schedules the purge"`
	SweepInterval      units.Duration `env:"SWEEP_INTERVAL" envDefault:"1h" cmd:"clock" help:"how often the clock schedules the orphan sweep"`
	DrainDelay         units.Duration `env:"DRAIN_DELAY" envDefault:"5s" cmd:"web" help:"after SIGTERM, web keeps accepting this long with /ready answering 503 and every response closing its connection, so load balancers move traffic away before it stops accepting; 0 under Kubernetes, where the preStop sleep does this"`
	ShutdownTimeout    units.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"30s" cmd:"web,worker,clock" help:"how long to drain requests and jobs in flight, once accepting has stopped, before a hard stop"`
	DBMaxConns         int            `env:"DB_MAX_CONNS" envDefault:"0" cmd:"web,worker,clock" help:"largest Postgres pool of one process; 0 means pool_max_conns from DATABASE_URL if set, else web 10, worker WORKER_CONCURRENCY+4, clock 3"`
	DBMaxConnIdle      units.Duration `env:"DB_MAX_CONN_IDLE" envDefault:"5m" cmd:"web,worker,clock" help:"a Postgres connection idle this long is closed, so a quiet process gives the server its slots back"`
	OtelTracesExporter string         `env:"OTEL_TRACES_EXPORTER" cmd:"web,worker,clock" help:"otlp, console (spans as JSON lines on stdout) or none; empty means none unless OTEL_EXPORTER_OTLP_ENDPOINT is set"`
	OtelEndpoint       string         `env:"OTEL_EXPORTER_OTLP_ENDPOINT" cmd:"web,worker,clock" help:"OpenTelemetry collector for otlp, e.g. http://otel-collector:4318; the SDK also reads the other OTEL_EXPORTER_OTLP_* variables"`
	OtelServiceName    string         `env:"OTEL_SERVICE_NAME" cmd:"web,worker,clock" help:"service name on spans; empty gives ferry-web, ferry-worker or ferry-clock"`
	OtelSampler        string         `env:"OTEL_TRACES_SAMPLER" cmd:"web,worker,clock" help:"empty keeps every trace (parentbased_always_on); parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG=0.1 keeps a tenth"`
	OtelSamplerArg     string         `env:"OTEL_TRACES_SAMPLER_ARG" cmd:"web,worker,clock" help:"the sampler's argument, such as a ratio from 0 to 1"`
	OtelSDKDisabled    bool           `env:"OTEL_SDK_DISABLED" envDefault:"false" cmd:"web,worker,clock" help:"true turns tracing off whatever else is set"`

	// Webhooks (internal/webhook).
	WebhookAllowPrivate bool           `env:"WEBHOOK_ALLOW_PRIVATE" envDefault:"false" cmd:"web,worker" help:"let webhooks reach private, loopback and link-local addresses (checked when a webhook is made and again at each dial); only for a Ferry whose receivers are on its own network"`
	WebhookTimeout      units.Duration `env:"WEBHOOK_TIMEOUT" envDefault:"10s" cmd:"worker" help:"time one webhook delivery attempt may take, from dialling to the answer's headers; slower counts as failed and is retried"`
	WebhookDisableAfter units.Duration `env:"WEBHOOK_DISABLE_AFTER" envDefault:"5d" cmd:"worker" help:"a webhook whose every delivery has failed for this long is disabled and its owner mailed; a test event that gets through enables it again"`
}

// Error names the variable at fault and what is wrong with it.
type Error struct {
	Var     string
	Problem string
}

func (e *Error) Error() string { return e.Var + ": " + e.Problem }

func problem(name, format string, args ...any) *Error {
	return &Error{Var: name, Problem: fmt.Sprintf(format, args...)}
}

// Load reads the configuration from environ (os.Environ's form) and checks
// every value. It never reads the process environment itself, so tests can
// run in parallel with their own settings.
func Load(environ []string) (*Config, error) {
	vars, err := withFiles(toMap(environ))
	if err != nil {
		return nil, err
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return nil, explain(err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func toMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// withFiles resolves NAME_FILE for every secret, so orchestrators can mount
// secrets as files instead of putting them in the environment.
func withFiles(vars map[string]string) (map[string]string, error) {
	for _, v := range Vars() {
		path, ok := vars[v.Name+"_FILE"]
		if !v.Secret || !ok || path == "" {
			continue
		}
		if vars[v.Name] != "" {
			return nil, problem(v.Name, "set %s or %s_FILE, not both", v.Name, v.Name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, problem(v.Name+"_FILE", "cannot read the file: %v", errors.Unwrap(err))
		}
		vars[v.Name] = strings.TrimRight(string(b), "\r\n")
	}
	return vars, nil
}

// explain turns the env library's errors, which name Go fields, into ones
// that name the variable and the value expected.
func explain(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) || len(agg.Errors) == 0 {
		return fmt.Errorf("read environment: %w", err)
	}
	var pe env.ParseError
	if !errors.As(agg.Errors[0], &pe) {
		return fmt.Errorf("read environment: %w", agg.Errors[0])
	}
	f, _ := reflect.TypeFor[Config]().FieldByName(pe.Name)
	name := f.Tag.Get("env")
	var num *strconv.NumError
	switch {
	case f.Type.Kind() == reflect.Bool:
		return problem(name, "must be true or false")
	case errors.As(pe.Err, &num):
		return problem(name, "must be a whole number, got %q", num.Num)
	default:
		return problem(name, "%v", pe.Err)
	}
}
