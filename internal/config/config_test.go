package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

var update = flag.Bool("update", false, "rewrite .env.example from the Config struct")

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3000 || c.MetricsPort != 9090 || c.AppEnv != Development {
		t.Errorf("defaults: port %d, metrics %d, env %q", c.Port, c.MetricsPort, c.AppEnv)
	}
	if c.MaxUploadSize != 10<<30 || time.Duration(c.DefaultExpiresIn) != 7*units.Day || time.Duration(c.ShutdownTimeout) != 30*time.Second {
		t.Errorf("defaults: max upload %v, expiry %v, shutdown %v", c.MaxUploadSize, c.DefaultExpiresIn, c.ShutdownTimeout)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	prod := []string{"APP_ENV=production", "DATABASE_URL=postgres://db/ferry", "REDIS_URL=redis://r:6379", "PUBLIC_URL=https://ferry.example", "BLOB_URL=s3://b"}
	tests := []struct {
		name    string
		env     []string
		wantVar string
		want    string
	}{
		{"port not a number", []string{"PORT=abc"}, "PORT", `whole number, got "abc"`},
		{"port out of range", []string{"PORT=70000"}, "PORT", "1 to 65535"},
		{"bool", []string{"SIGNUP_ENABLED=yes please"}, "SIGNUP_ENABLED", "true or false"},
		{"size", []string{"MAX_UPLOAD_SIZE=huge"}, "MAX_UPLOAD_SIZE", "10GiB"},
		{"duration", []string{"DEFAULT_EXPIRES_IN=soon"}, "DEFAULT_EXPIRES_IN", "7d"},
		{"default above max", []string{"DEFAULT_EXPIRES_IN=60d"}, "MAX_EXPIRES_IN", "at least"},
		{"chunk at 100 MB", []string{"UPLOAD_CHUNK_SIZE=100MB"}, "UPLOAD_CHUNK_SIZE", "under 100MB"},
		{"chunk too small", []string{"UPLOAD_CHUNK_SIZE=1KiB"}, "UPLOAD_CHUNK_SIZE", "64KiB"},
		{"env", []string{"APP_ENV=prod"}, "APP_ENV", "development, staging or production"},
		{"log level", []string{"LOG_LEVEL=loud"}, "LOG_LEVEL", ""},
		{"db scheme", []string{"DATABASE_URL=mysql://x/y"}, "DATABASE_URL", "postgres://"},
		{"db unparsable hides secret", []string{"DATABASE_URL=postgres://u:hunter2@h:x:y/"}, "DATABASE_URL", "valid URL"},
		{"blob scheme", []string{"BLOB_URL=ftp://x"}, "BLOB_URL", "s3://"},
		{"redis no host", []string{"REDIS_URL=redis://"}, "REDIS_URL", "no host"},
		{"trace exporter", []string{"OTEL_TRACES_EXPORTER=zipkin"}, "OTEL_TRACES_EXPORTER", "otlp, console or none"},
		{"trace sampler", []string{"OTEL_TRACES_SAMPLER=sometimes"}, "OTEL_TRACES_SAMPLER", "always_on"},
		{"trace ratio", []string{"OTEL_TRACES_SAMPLER_ARG=2"}, "OTEL_TRACES_SAMPLER_ARG", "from 0 to 1"},
		{"prod file blob", replace(prod, "BLOB_URL=file:///tmp/x"), "BLOB_URL", "production"},
		{"prod mem blob", replace(prod, "BLOB_URL=mem://"), "BLOB_URL", "production"},
		{"prod http", replace(prod, "PUBLIC_URL=http://ferry.example"), "PUBLIC_URL", "https"},
		{"prod no db", replace(prod, "DATABASE_URL="), "DATABASE_URL", "required"},
		{"prod no redis", replace(prod, "REDIS_URL="), "REDIS_URL", "required"},
		{"both secret forms", []string{"DATABASE_URL=postgres://a/b", "DATABASE_URL_FILE=/x"}, "DATABASE_URL", "not both"},
		{"download mode", []string{"DOWNLOAD_MODE=teleport"}, "DOWNLOAD_MODE", "proxy or redirect"},
		{"redirect from a folder", []string{"DOWNLOAD_MODE=redirect", "BLOB_URL=file:///srv/ferry"}, "DOWNLOAD_MODE", "signs URLs"},
		{"rescue before timeout", []string{"JOB_TIMEOUT=20m"}, "JOB_RESCUE_AFTER", "more than JOB_TIMEOUT"},
		{"webhook timeout too long", []string{"WEBHOOK_TIMEOUT=5m"}, "WEBHOOK_TIMEOUT", "from 1s to 1m"},
		{"webhook timeout zero", []string{"WEBHOOK_TIMEOUT=0s"}, "WEBHOOK_TIMEOUT", "from 1s to 1m"},
		{"webhooks disabled too soon", []string{"WEBHOOK_DISABLE_AFTER=10m"}, "WEBHOOK_DISABLE_AFTER", "at least 1h"},
		{"concurrency", []string{"WORKER_CONCURRENCY=0"}, "WORKER_CONCURRENCY", "from 1"},
		{"conns per client", []string{"MAX_CONNS_PER_CLIENT=-1"}, "MAX_CONNS_PER_CLIENT", "0 (no cap)"},
		{"upload idle", []string{"UPLOAD_IDLE_TIMEOUT=0s"}, "UPLOAD_IDLE_TIMEOUT", "more than 0"},
		{"thumbnail workers", []string{"THUMBNAIL_CONCURRENCY=0"}, "THUMBNAIL_CONCURRENCY", "from 1"},
		{"thumbnail memory", []string{"THUMBNAIL_MEMORY=1MiB"}, "THUMBNAIL_MEMORY", "at least 16MiB"},
		{"mail from", []string{"MAIL_FROM=nobody at all"}, "MAIL_FROM", "address"},
		{"trusted proxies", []string{"TRUSTED_PROXIES=10.0.0.0/8,not-an-ip"}, "TRUSTED_PROXIES", "not-an-ip"},
		{"missing secret file", []string{"REDIS_URL_FILE=/nonexistent/secret"}, "REDIS_URL_FILE", "cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.env)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want a *config.Error", err)
			}
			if ce.Var != tt.wantVar || !strings.Contains(ce.Problem, tt.want) {
				t.Errorf("Load = %q, want variable %s and %q", err, tt.wantVar, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
	if _, err := Load(prod); err != nil {
		t.Errorf("a complete production config is refused: %v", err)
	}
}

// replace returns env with one variable's value changed.
func replace(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	out := []string{kv}
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, []byte("postgres://ferry:s3cret@db:5432/ferry\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"DATABASE_URL_FILE=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://ferry:s3cret@db:5432/ferry" {
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	}
}

func TestEffectiveMasksSecrets(t *testing.T) {
	c, err := Load([]string{
		"DATABASE_URL=postgres://ferry:s3cret@db:5432/ferry",
		"BLOB_URL=azblob://bucket?sas_token=topsecret&prefix=a",
		"SMTP_URL=smtp://mail:mailpass@smtp:587",
	})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, kv := range c.Effective() {
		all.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	for _, secret := range []string{"s3cret", "topsecret", "mailpass"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("effective config shows %q:\n%s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "DATABASE_URL=postgres://ferry:xxxxx@db:5432/ferry") {
		t.Errorf("masked URL lost its shape:\n%s", all.String())
	}
}

func TestRequire(t *testing.T) {
	c, _ := Load([]string{"DATABASE_URL=postgres://db/x"})
	if err := c.Require("DATABASE_URL"); err != nil {
		t.Errorf("Require(DATABASE_URL) = %v", err)
	}
	var ce *Error
	if err := c.Require("DATABASE_URL", "BLOB_URL"); !errors.As(err, &ce) || ce.Var != "BLOB_URL" {
		t.Errorf("Require(BLOB_URL) = %v", err)
	}
}

func TestVarsFor(t *testing.T) {
	names := func(vs []Var) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.Name)
		}
		return strings.Join(s, " ")
	}
	if got := names(VarsFor("migrate")); got != "APP_ENV LOG_LEVEL DATABASE_URL" {
		t.Errorf("VarsFor(migrate) = %s", got)
	}
	if got := names(VarsFor("web")); !strings.Contains(got, " PORT ") || !strings.Contains(got, "METRICS_PORT") || strings.Contains(got, "WORKER_CONCURRENCY") {
		t.Errorf("VarsFor(web) = %s", got)
	}
}

// TestEnvExample keeps .env.example equal to what the struct says.
func TestEnvExample(t *testing.T) {
	path := filepath.Join("..", "..", ".env.example")
	if *update {
		if err := os.WriteFile(path, []byte(Example()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Example() {
		t.Errorf(".env.example is stale: run go test ./internal/config -update")
	}
	if _, err := Load(exampleEnviron(string(got))); err != nil {
		t.Errorf(".env.example does not load: %v", err)
	}
}

func exampleEnviron(file string) []string {
	var env []string
	for _, line := range strings.Split(file, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, line)
		}
	}
	return env
}
