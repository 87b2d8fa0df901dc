package deploy

import (
	"os"
	"path/filepath"
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
	EnvFile     []map[string]any             `yaml:"env_file"`
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

func checkComposeImage(t *testing.T, image string) {
	t.Helper()
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
		if len(s.EnvFile) != 1 || s.EnvFile[0]["path"] != ".env" {
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
