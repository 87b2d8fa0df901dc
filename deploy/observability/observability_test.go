// Package observability holds the operations kit (Prometheus scrape config
// and alert rules, a Grafana dashboard, an OpenTelemetry Collector config);
// its test holds the kit to the series Ferry really exports.
package observability

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/metrics"
)

// names records the metric names of every collector registered with it.
type names map[string]bool

var fqName = regexp.MustCompile(`fqName: "([a-z_]+)"`)

func (n names) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			n[m[1]] = true
		}
	}
	return nil
}

func (n names) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = n.Register(c)
	}
}

func (n names) Unregister(prometheus.Collector) bool { return false }

// exported lists every series name Ferry's processes serve.
func exported(t *testing.T) names {
	t.Helper()
	n := names{"up": true}
	metrics.NewHTTP(n)
	metrics.NewTransfers(n)
	metrics.RegisterPools(n, nil, nil)
	metrics.RegisterReadiness(n, health.NewReadiness())
	jobs.RegisterQueueDepth(n, nil)
	jobs.NewWorkMetrics(n)
	families, err := metrics.NewRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		n[f.GetName()] = true
	}
	return n
}

var seriesName = regexp.MustCompile(`\b((?:ferry|http|go|process)_[a-z_]+|up)\b`)

// used returns the series names an expression reads, histogram suffixes
// folded into their family.
func used(expr string) []string {
	var out []string
	for _, m := range seriesName.FindAllString(expr, -1) {
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(m, suffix); ok && strings.HasSuffix(base, "_seconds") {
				m = base
			}
		}
		out = append(out, m)
	}
	return out
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type rule struct {
	Alert       string
	Expr        string
	For         string
	Labels      map[string]string
	Annotations map[string]string
}

func alerts(t *testing.T) []rule {
	t.Helper()
	var f struct {
		Groups []struct {
			Name  string
			Rules []rule
		}
	}
	readYAML(t, "alerts.yml", &f)
	var all []rule
	for _, g := range f.Groups {
		all = append(all, g.Rules...)
	}
	return all
}

func TestAlertRules(t *testing.T) {
	have := exported(t)
	rules := alerts(t)
	if len(rules) < 6 {
		t.Fatalf("%d alert rules", len(rules))
	}
	for _, r := range rules {
		t.Run(r.Alert, func(t *testing.T) {
			if !regexp.MustCompile(`^Ferry[A-Za-z]+$`).MatchString(r.Alert) || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert needs a Ferry name, a summary and a description: %+v", r)
			}
			if !slices.Contains([]string{"page", "warn"}, r.Labels["severity"]) {
				t.Errorf("severity %q, want page or warn", r.Labels["severity"])
			}
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") {
				t.Errorf("unbalanced parentheses in %s", r.Expr)
			}
			checkSeries(t, have, r.Expr)
		})
	}
}

func checkSeries(t *testing.T, have names, expr string) {
	t.Helper()
	found := used(expr)
	if len(found) == 0 {
		t.Errorf("expression reads no Ferry series: %s", expr)
	}
	for _, s := range found {
		if !have[s] {
			t.Errorf("expression reads %s, which Ferry does not export: %s", s, expr)
		}
	}
}

func TestDashboard(t *testing.T) {
	have := exported(t)
	b, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string
		Panels []struct {
			Title   string
			Type    string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil || dash.UID == "" {
		t.Fatalf("dashboard: %v", err)
	}
	shown := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkSeries(t, have, q.Expr)
			for _, s := range used(q.Expr) {
				shown[s] = true
			}
		}
	}
	for s := range have {
		if strings.HasPrefix(s, "ferry_") && !shown[s] && !slices.Contains([]string{"ferry_db_pool_acquires_total", "ferry_db_pool_acquire_seconds_total", "ferry_redis_pool_hits_total", "ferry_redis_pool_misses_total"}, s) {
			t.Errorf("no panel shows %s", s)
		}
	}
}

func TestDocsNameEverySeriesAndAlert(t *testing.T) {
	b, err := os.ReadFile("../../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for s := range exported(t) {
		if (strings.HasPrefix(s, "ferry_") || strings.HasPrefix(s, "http_")) && !strings.Contains(doc, "`"+s+"`") {
			t.Errorf("docs/observability.md does not explain %s", s)
		}
	}
	for _, r := range alerts(t) {
		if !strings.Contains(doc, r.Alert) {
			t.Errorf("docs/observability.md does not explain %s", r.Alert)
		}
	}
}

func TestScrapeAndCollectorConfigs(t *testing.T) {
	var prom struct {
		Global        map[string]string
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName string         `yaml:"job_name"`
			Rest    map[string]any `yaml:",inline"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus.yml", &prom)
	var jobsSeen []string
	for _, sc := range prom.ScrapeConfigs {
		jobsSeen = append(jobsSeen, sc.JobName)
	}
	for _, want := range []string{"ferry-web", "ferry-worker", "ferry-clock"} {
		if !slices.Contains(jobsSeen, want) {
			t.Errorf("prometheus.yml scrapes no %s", want)
		}
	}
	for _, f := range prom.RuleFiles {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("rule file %s: %v", f, err)
		}
	}
	var col struct {
		Receivers  map[string]any
		Processors map[string]any
		Exporters  map[string]any
		Extensions map[string]any
		Service    struct {
			Extensions []string
			Pipelines  map[string]struct{ Receivers, Processors, Exporters []string }
		}
	}
	readYAML(t, "otel-collector.yaml", &col)
	traces, ok := col.Service.Pipelines["traces"]
	if !ok || !slices.Contains(traces.Receivers, "otlp") {
		t.Fatalf("collector has no traces pipeline from otlp: %+v", col.Service)
	}
	for _, p := range traces.Processors {
		if _, ok := col.Processors[p]; !ok {
			t.Errorf("pipeline names processor %s that is not defined", p)
		}
	}
	for _, e := range traces.Exporters {
		if _, ok := col.Exporters[e]; !ok {
			t.Errorf("pipeline names exporter %s that is not defined", e)
		}
	}
}
