package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Command     []string                     `yaml:"command"`
	EnvFile     []string                     `yaml:"env_file"`
	DependsOn   map[string]composeDependency `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Deploy struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
	Restart         string   `yaml:"restart"`
	Volumes         []string `yaml:"volumes"`
	Expose          []string `yaml:"expose"`
	StopGracePeriod string   `yaml:"stop_grace_period"`
}

type composeDependency struct {
	Condition string `yaml:"condition"`
}

// oneOffs run to completion; everything else is long-running.
var oneOffs = []string{"migrate", "create-bucket"}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	want := []string{"migrate", "web", "worker", "clock", "proxy", "postgres", "redis", "s3",
		"create-bucket", "mailpit", "otel-collector", "prometheus"}
	for _, name := range want {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %s", name)
		}
	}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			checkComposeImage(t, s.Image)
			oneOff := slices.Contains(oneOffs, name)
			switch {
			case oneOff && s.Restart != "no":
				t.Errorf("a one-off must not restart, got restart %q", s.Restart)
			case !oneOff && (s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD"):
				t.Errorf("a long-running service needs a CMD healthcheck, got %+v", s.Healthcheck)
			}
			for dep, d := range s.DependsOn {
				if _, ok := c.Services[dep]; !ok {
					t.Errorf("depends on unknown service %s", dep)
					continue
				}
				want := "service_healthy"
				if slices.Contains(oneOffs, dep) {
					want = "service_completed_successfully"
				}
				if d.Condition != want {
					t.Errorf("waits for %s with %q, want %q", dep, d.Condition, want)
				}
			}
			for _, v := range s.Volumes {
				if src, _, _ := strings.Cut(v, ":"); strings.HasPrefix(src, "./") {
					if _, err := os.Stat(filepath.Join("..", src)); err != nil {
						t.Errorf("mounts %s: %v", src, err)
					}
				}
			}
		})
	}
}

// composeDefault is ${NAME:-default} in compose's interpolation.
var composeDefault = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}`)

func checkComposeImage(t *testing.T, image string) {
	t.Helper()
	image = composeDefault.ReplaceAllString(image, "$1")
	// podman and buildah refuse short names such as postgres:16 unless the
	// host configures search registries: the registry is always named.
	if host, _, ok := strings.Cut(image, "/"); !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
		t.Errorf("image %q must be fully qualified (docker.io/library/postgres:16, not postgres:16)", image)
	}
	ref := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(ref, ":")
	if !ok || tag == "" || tag == "latest" {
		t.Errorf("image %q needs a tag other than latest", image)
	}
}

// TestComposeOrder: the stores are healthy before migrate runs, and the
// Ferry processes start only after migrate and the bucket one-off succeed.
func TestComposeOrder(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	tests := []struct {
		service  string
		waitsFor []string
	}{
		{"migrate", []string{"postgres"}},
		{"create-bucket", []string{"s3"}},
		{"web", []string{"migrate", "create-bucket", "postgres", "redis", "s3"}},
		{"worker", []string{"migrate", "create-bucket", "postgres", "s3"}},
		{"clock", []string{"migrate", "postgres"}},
		{"proxy", []string{"web"}},
	}
	for _, tt := range tests {
		for _, dep := range tt.waitsFor {
			if _, ok := c.Services[tt.service].DependsOn[dep]; !ok {
				t.Errorf("%s does not wait for %s", tt.service, dep)
			}
		}
	}
	order := startOrder(t, c)
	for _, p := range []string{"web", "worker", "clock"} {
		if slices.Index(order, p) < slices.Index(order, "migrate") {
			t.Errorf("%s would start before migrate: %v", p, order)
		}
	}
}

// startOrder sorts the services so each comes after what it depends on,
// failing on a cycle (which compose would refuse).
func startOrder(t *testing.T, c composeFile) []string {
	t.Helper()
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string)
	visit = func(name string, path []string) {
		switch state[name] {
		case 1:
			t.Fatalf("dependency cycle: %v", append(path, name))
		case 2:
			return
		}
		state[name] = 1
		deps := make([]string, 0, len(c.Services[name].DependsOn))
		for d := range c.Services[name].DependsOn {
			deps = append(deps, d)
		}
		slices.Sort(deps)
		for _, d := range deps {
			visit(d, append(path, name))
		}
		state[name] = 2
		order = append(order, name)
	}
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		visit(n, nil)
	}
	return order
}

// TestComposeFerry: web, worker, clock and migrate run the one image, read
// .env, and web runs as two replicas behind the proxy.
func TestComposeFerry(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	image := c.Services["web"].Image
	for _, name := range []string{"migrate", "web", "worker", "clock"} {
		s := c.Services[name]
		if s.Image != image {
			t.Errorf("%s runs image %q, web runs %q: one image for every process type", name, s.Image, image)
		}
		if !slices.Equal(s.Command, []string{name}) {
			t.Errorf("%s runs %q, want [%s]", name, s.Command, name)
		}
		if !slices.Equal(s.EnvFile, []string{".env"}) {
			t.Errorf("%s must read .env, got %v", name, s.EnvFile)
		}
	}
	if r := c.Services["web"].Deploy.Replicas; r != 2 {
		t.Errorf("web has %d replicas, want 2", r)
	}
	checkComposeWebStop(t, c.Services["web"])
	mounts := strings.Join(c.Services["prometheus"].Volumes, "\n")
	for _, f := range []string{"./deploy/observability/prometheus.yml", "./deploy/observability/alerts.yml"} {
		if !strings.Contains(mounts, f+":") {
			t.Errorf("prometheus does not mount %s", f)
		}
	}
}

// checkComposeWebStop: compose waits for web's drain delay and drain
// before it kills the process, and Prometheus can reach METRICS_PORT.
func checkComposeWebStop(t *testing.T, web composeService) {
	t.Helper()
	c := defaults(t)
	grace, err := time.ParseDuration(web.StopGracePeriod)
	if need := time.Duration(c.DrainDelay + c.ShutdownTimeout); err != nil || grace <= need {
		t.Errorf("web stop_grace_period %q, want more than DRAIN_DELAY + SHUTDOWN_TIMEOUT (%v)", web.StopGracePeriod, need)
	}
	for _, port := range []int{c.Port, c.MetricsPort} {
		if !slices.Contains(web.Expose, strconv.Itoa(port)) {
			t.Errorf("web exposes %v, want %d too", web.Expose, port)
		}
	}
}

// TestComposeConfig runs Debian's docker-compose (1.29, the oldest version
// README.md supports) over compose.yaml, from a copy beside a .env made from
// .env.example as the README's `cp .env.example .env` would, and holds the
// file compose resolves to the same image rules.
func TestComposeConfig(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("docker-compose is not installed (apt-get install docker-compose; .ci/run does)")
	}
	dir := t.TempDir()
	for src, dst := range map[string]string{"../compose.yaml": "compose.yaml", "../.env.example": ".env"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	compose := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-f", "compose.yaml"}, args...)...)
		cmd.Dir = dir
		// Only .env and the defaults in compose.yaml, not the caller's variables.
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	version := strings.TrimSpace(string(compose("version", "--short")))
	t.Logf("docker-compose %s", version)
	if out := compose("config", "-q"); len(out) > 0 {
		t.Errorf("config -q printed %s", out)
	}
	var resolved composeFile
	if err := yaml.Unmarshal(compose("config"), &resolved); err != nil {
		t.Fatalf("docker-compose config: %v", err)
	}
	if len(resolved.Services) != 12 {
		t.Errorf("docker-compose resolves %d services, want 12", len(resolved.Services))
	}
	for name, s := range resolved.Services {
		t.Run(name, func(t *testing.T) { checkComposeImage(t, s.Image) })
	}
}
