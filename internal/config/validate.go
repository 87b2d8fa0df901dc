package config

import (
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

// Schemes each backing-service URL may use.
var (
	databaseSchemes = []string{"postgres", "postgresql"}
	redisSchemes    = []string{"redis", "rediss", "unix"}
	blobSchemes     = []string{"s3", "gs", "azblob", "file", "mem"}
	smtpSchemes     = []string{"smtp", "smtps"}
	publicSchemes   = []string{"http", "https"}
)

// IsProduction reports whether production's stricter rules apply.
func (c *Config) IsProduction() bool { return c.AppEnv == Production }

func (c *Config) validate() error {
	for _, check := range []func() error{c.checkValues, c.checkURLs, c.checkProduction} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) checkValues() error {
	switch {
	case !slices.Contains([]string{Development, Staging, Production}, c.AppEnv):
		return problem("APP_ENV", "must be development, staging or production, got %q", c.AppEnv)
	case c.Port < 1 || c.Port > 65535:
		return problem("PORT", "must be a port number from 1 to 65535, got %d", c.Port)
	case c.MetricsPort < 1 || c.MetricsPort > 65535:
		return problem("METRICS_PORT", "must be a port number from 1 to 65535, got %d", c.MetricsPort)
	case c.MaxUploadSize <= 0:
		return problem("MAX_UPLOAD_SIZE", "must be more than 0")
	case c.UploadChunkSize < 64<<10 || c.UploadChunkSize >= 100_000_000:
		return problem("UPLOAD_CHUNK_SIZE", "must be from 64KiB to under 100MB (a proxy's body limit), got %d bytes", int64(c.UploadChunkSize))
	case c.DefaultExpiresIn <= 0:
		return problem("DEFAULT_EXPIRES_IN", "must be more than 0")
	case c.MaxExpiresIn < c.DefaultExpiresIn:
		return problem("MAX_EXPIRES_IN", "must be at least DEFAULT_EXPIRES_IN (%s), got %s", c.DefaultExpiresIn, c.MaxExpiresIn)
	case c.SignupRateClient < 1:
		return problem("SIGNUP_RATE_CLIENT", "must be at least 1, got %d", c.SignupRateClient)
	case c.SignupRateTotal < c.SignupRateClient:
		return problem("SIGNUP_RATE_TOTAL", "must be at least SIGNUP_RATE_CLIENT (%d), got %d", c.SignupRateClient, c.SignupRateTotal)
	case c.HashMemory < 1<<20:
		return problem("HASH_MEMORY", "must be at least 1MiB, got %s", c.HashMemory)
	case c.ShutdownTimeout <= 0:
		return problem("SHUTDOWN_TIMEOUT", "must be more than 0")
	case c.DBMaxConns < 0 || c.DBMaxConns > 10000:
		return problem("DB_MAX_CONNS", "must be from 0 (pick per process type) to 10000, got %d", c.DBMaxConns)
	case c.DBMaxConnIdle < units.Duration(time.Second):
		return problem("DB_MAX_CONN_IDLE", "must be at least 1s, got %s", c.DBMaxConnIdle)
	case c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1000:
		return problem("WORKER_CONCURRENCY", "must be from 1 to 1000, got %d", c.WorkerConcurrency)
	case c.ThumbnailWorkers < 1 || c.ThumbnailWorkers > 1000:
		return problem("THUMBNAIL_CONCURRENCY", "must be from 1 to 1000, got %d", c.ThumbnailWorkers)
	case c.ThumbnailMemory < 16<<20:
		return problem("THUMBNAIL_MEMORY", "must be at least 16MiB, got %s", c.ThumbnailMemory)
	case c.UploadIdleTimeout <= 0:
		return problem("UPLOAD_IDLE_TIMEOUT", "must be more than 0")
	case c.BodyTimeout <= 0:
		return problem("BODY_TIMEOUT", "must be more than 0")
	case c.MaxConnsPerClient < 0:
		return problem("MAX_CONNS_PER_CLIENT", "must be 0 (no cap) or more, got %d", c.MaxConnsPerClient)
	case c.JobTimeout <= 0:
		return problem("JOB_TIMEOUT", "must be more than 0")
	case c.JobRescueAfter <= c.JobTimeout:
		return problem("JOB_RESCUE_AFTER", "must be more than JOB_TIMEOUT (%s), or running jobs would be retried while they run", c.JobTimeout)
	case c.WebhookTimeout < units.Duration(time.Second) || c.WebhookTimeout > units.Duration(time.Minute):
		return problem("WEBHOOK_TIMEOUT", "must be from 1s to 1m, got %s", c.WebhookTimeout)
	case c.WebhookDisableAfter < units.Duration(time.Hour):
		return problem("WEBHOOK_DISABLE_AFTER", "must be at least 1h, got %s", c.WebhookDisableAfter)
	case c.PurgeInterval < units.Duration(time.Second):
		return problem("PURGE_INTERVAL", "must be at least 1s, got %s", c.PurgeInterval)
	case c.SweepInterval < units.Duration(time.Second):
		return problem("SWEEP_INTERVAL", "must be at least 1s, got %s", c.SweepInterval)
	case !validAddress(c.MailFrom):
		return problem("MAIL_FROM", "must be an address such as Ferry <ferry@example.com>, got %q", c.MailFrom)
	case c.DownloadMode != "proxy" && c.DownloadMode != "redirect":
		return problem("DOWNLOAD_MODE", "must be proxy or redirect, got %q", c.DownloadMode)
	case c.DownloadMode == "redirect" && c.localBlobs():
		return problem("DOWNLOAD_MODE", "redirect needs storage that signs URLs (s3://, gs://, azblob://), not file:// or mem://")
	case !slices.Contains([]string{"", "otlp", "console", "none"}, c.OtelTracesExporter):
		return problem("OTEL_TRACES_EXPORTER", "must be otlp, console or none, got %q", c.OtelTracesExporter)
	case !slices.Contains([]string{"", "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}, c.OtelSampler):
		return problem("OTEL_TRACES_SAMPLER", "must be always_on, always_off, traceidratio or their parentbased_ forms, got %q", c.OtelSampler)
	case c.OtelSamplerArg != "" && !validRatio(c.OtelSamplerArg):
		return problem("OTEL_TRACES_SAMPLER_ARG", "must be a ratio from 0 to 1, got %q", c.OtelSamplerArg)
	}
	_, err := c.Proxies()
	return err
}

func validAddress(s string) bool {
	_, err := mail.ParseAddress(s)
	return err == nil
}

// Proxies parses TRUSTED_PROXIES; a bare address is a one-address prefix.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, problem("TRUSTED_PROXIES", "%q is not an address or CIDR", s)
			}
			s = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, problem("TRUSTED_PROXIES", "%q is not an address or CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (c *Config) checkURLs() error {
	for _, u := range []struct {
		name, value string
		schemes     []string
	}{
		{"DATABASE_URL", c.DatabaseURL, databaseSchemes},
		{"REDIS_URL", c.RedisURL, redisSchemes},
		{"BLOB_URL", c.BlobURL, blobSchemes},
		{"SMTP_URL", c.SMTPURL, smtpSchemes},
		{"PUBLIC_URL", c.PublicURL, publicSchemes},
	} {
		if err := checkURL(u.name, u.value, u.schemes); err != nil {
			return err
		}
	}
	return nil
}

// checkURL accepts an empty value; whether one is required depends on the
// command and is checked by Require.
func checkURL(name, value string, schemes []string) error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil {
		// url.Parse quotes the whole input, which may hold a password.
		return problem(name, "is not a valid URL")
	}
	if !slices.Contains(schemes, u.Scheme) {
		return problem(name, "must start with %s://, got %q", strings.Join(schemes, ":// or "), u.Scheme+"://")
	}
	if u.Host == "" && u.Scheme != "file" && u.Scheme != "mem" && u.Scheme != "unix" {
		return problem(name, "has no host")
	}
	return nil
}

func (c *Config) checkProduction() error {
	if !c.IsProduction() {
		return nil
	}
	for _, v := range [][2]string{{"DATABASE_URL", c.DatabaseURL}, {"REDIS_URL", c.RedisURL}, {"PUBLIC_URL", c.PublicURL}} {
		if v[1] == "" {
			return problem(v[0], "is required when APP_ENV=production")
		}
	}
	if !strings.HasPrefix(c.PublicURL, "https://") {
		return problem("PUBLIC_URL", "must be https:// when APP_ENV=production")
	}
	if c.localBlobs() {
		return problem("BLOB_URL", "file:// and mem:// keep files on one machine; use s3://, gs:// or azblob:// when APP_ENV=production")
	}
	return nil
}

func (c *Config) localBlobs() bool {
	return strings.HasPrefix(c.BlobURL, "file:") || strings.HasPrefix(c.BlobURL, "mem:")
}

// Require checks that the named variables are set, for the command about to
// run: a web process cannot start without storage, a migration can.
func (c *Config) Require(names ...string) error {
	values := map[string]string{
		"DATABASE_URL": c.DatabaseURL, "REDIS_URL": c.RedisURL,
		"BLOB_URL": c.BlobURL, "PUBLIC_URL": c.PublicURL,
	}
	for _, name := range names {
		if values[name] == "" {
			return problem(name, "is required (or run `ferry dev`, which starts local services)")
		}
	}
	return nil
}

func validRatio(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f >= 0 && f <= 1
}
