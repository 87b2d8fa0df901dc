// Package helm renders Ferry's chart (deploy/helm/ferry) with the Helm Go
// SDK and holds it to the policies of the kustomize overlays (see
// deploy/k8s_test.go). It is a module of its own, outside go.work: the
// Helm SDK is a large dependency that Ferry's own module and build should
// not carry. Run it with `make helm-test` (GOWORK=off go test ./...).
package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// valueSets are the installs the chart must render well: its defaults, a
// Secret managed outside the chart with fixed replicas and no ingress, and
// a bigger one.
var valueSets = map[string]map[string]any{
	"defaults": {},
	"existing secret, no HPA, no ingress": {
		"existingSecret": "ferry-prod-secrets",
		"image":          map[string]any{"tag": "v1.2.3"},
		"web":            map[string]any{"replicas": 3, "autoscaling": map[string]any{"enabled": false}},
		"worker":         map[string]any{"autoscaling": map[string]any{"enabled": false}},
		"ingress":        map[string]any{"enabled": false},
	},
	"large": {
		"secrets": map[string]any{"SESSION_SECRET": "x", "DATABASE_URL": "postgres://ferry@db:5432/ferry"},
		"web":     map[string]any{"autoscaling": map[string]any{"minReplicas": 4, "maxReplicas": 40}},
		"config":  map[string]any{"PUBLIC_URL": "https://files.example.org", "LOG_LEVEL": "debug"},
		"ingress": map[string]any{"host": "files.example.org"},
	},
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load("ferry")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// render is `helm template`: the values checked against values.schema.json,
// then every template, hooks and tests included, in-process.
func render(t *testing.T, c *chart.Chart, vals map[string]any) (map[string]string, error) {
	t.Helper()
	opts := chartutil.ReleaseOptions{Name: "ferry", Namespace: "ferry", Revision: 1, IsInstall: true}
	rv, err := chartutil.ToRenderValues(c, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(c, rv)
}

// objects is one render decoded strictly into the Kubernetes API types.
type objects struct {
	yaml        []byte
	notes       string
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	pods        map[string]*corev1.Pod
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	netpols     []*networkingv1.NetworkPolicy
	ingresses   []*networkingv1.Ingress
	services    map[string]*corev1.Service
	kinds       map[string]int
}

func decode(t *testing.T, files map[string]string) *objects {
	t.Helper()
	o := &objects{deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{},
		pods: map[string]*corev1.Pod{}, services: map[string]*corev1.Service{}, kinds: map[string]int{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var all bytes.Buffer
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			o.notes = files[name]
			continue
		}
		for _, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			all.WriteString("---\n" + doc + "\n")
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			var head struct{ APIVersion, Kind string }
			if err := json.Unmarshal(j, &head); err != nil {
				t.Fatal(err)
			}
			o.kinds[head.Kind]++
			strict := func(v any) {
				t.Helper()
				d := json.NewDecoder(bytes.NewReader(j))
				d.DisallowUnknownFields()
				if err := d.Decode(v); err != nil {
					t.Fatalf("%s: %s: %v", name, head.Kind, err)
				}
			}
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				v := new(appsv1.Deployment)
				strict(v)
				o.deployments[v.Labels["app.kubernetes.io/component"]] = v
			case "batch/v1 Job":
				v := new(batchv1.Job)
				strict(v)
				o.jobs[v.Name] = v
			case "v1 Pod":
				v := new(corev1.Pod)
				strict(v)
				o.pods[v.Name] = v
			case "v1 Service":
				v := new(corev1.Service)
				strict(v)
				o.services[v.Name] = v
			case "autoscaling/v2 HorizontalPodAutoscaler":
				v := new(autoscalingv2.HorizontalPodAutoscaler)
				strict(v)
				o.hpas = append(o.hpas, v)
			case "policy/v1 PodDisruptionBudget":
				v := new(policyv1.PodDisruptionBudget)
				strict(v)
				o.pdbs = append(o.pdbs, v)
			case "networking.k8s.io/v1 NetworkPolicy":
				v := new(networkingv1.NetworkPolicy)
				strict(v)
				o.netpols = append(o.netpols, v)
			case "networking.k8s.io/v1 Ingress":
				v := new(networkingv1.Ingress)
				strict(v)
				o.ingresses = append(o.ingresses, v)
			case "v1 ConfigMap", "v1 Secret", "v1 ServiceAccount":
				strict(&map[string]any{})
			default:
				t.Errorf("%s: unexpected %s %s", name, head.APIVersion, head.Kind)
			}
		}
	}
	o.yaml = all.Bytes()
	return o
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.Lines(doc) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestChart(t *testing.T) {
	t.Parallel()
	c := loadChart(t)
	for name, vals := range valueSets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			files, err := render(t, c, vals)
			if err != nil {
				t.Fatal(err)
			}
			o := decode(t, files)
			t.Run("processes", func(t *testing.T) { checkProcesses(t, o) })
			t.Run("migration hook", func(t *testing.T) { checkMigrationHook(t, o) })
			t.Run("scaling", func(t *testing.T) { checkScaling(t, o, vals) })
			t.Run("network", func(t *testing.T) { checkNetwork(t, o) })
			t.Run("secret", func(t *testing.T) {
				want, chartSecrets := "ferry-secrets", 1
				if s, _ := vals["existingSecret"].(string); s != "" {
					want, chartSecrets = s, 0
				}
				if o.kinds["Secret"] != chartSecrets {
					t.Errorf("%d Secrets rendered, want %d", o.kinds["Secret"], chartSecrets)
				}
				for name, d := range o.deployments {
					if ref := d.Spec.Template.Spec.Containers[0].EnvFrom[1].SecretRef; ref == nil || ref.Name != want {
						t.Errorf("%s reads Secret %v, want %s", name, ref, want)
					}
				}
			})
			t.Run("notes", func(t *testing.T) {
				if !strings.Contains(o.notes, "port-forward service/ferry-web") || !strings.Contains(o.notes, "helm test") {
					t.Errorf("NOTES.txt does not say how to reach it:\n%s", o.notes)
				}
			})
			t.Run("helm test", func(t *testing.T) {
				if len(o.pods) != 1 {
					t.Fatalf("%d test pods, want 1", len(o.pods))
				}
				for _, p := range o.pods {
					if p.Annotations["helm.sh/hook"] != "test" {
						t.Errorf("pod %s is not a test hook", p.Name)
					}
				}
			})
			t.Run("kube-score", func(t *testing.T) { checkKubeScore(t, o) })
		})
	}
}

var versionTag = regexp.MustCompile(`^ghcr\.io/ferryhq/ferry:v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

func checkProcesses(t *testing.T, o *objects) {
	if len(o.deployments) != 3 {
		t.Fatalf("Deployments %v, want web, worker and clock", o.kinds)
	}
	for _, name := range []string{"web", "worker", "clock"} {
		d := o.deployments[name]
		if d == nil {
			t.Fatalf("no %s Deployment", name)
		}
		spec := d.Spec.Template.Spec
		ctr := spec.Containers[0]
		if !slices.Equal(ctr.Args, []string{name}) {
			t.Errorf("%s runs %q", name, ctr.Args)
		}
		if ctr.ReadinessProbe == nil || ctr.ReadinessProbe.HTTPGet.Path != "/ready" || ctr.LivenessProbe == nil || ctr.LivenessProbe.HTTPGet.Path != "/health" {
			t.Errorf("%s: probes must be /health (liveness) and /ready (readiness)", name)
		}
		checkPod(t, name, spec)
		if name == "web" && (ctr.Lifecycle == nil || ctr.Lifecycle.PreStop == nil || ctr.Lifecycle.PreStop.Sleep == nil) {
			t.Error("web needs a preStop sleep")
		}
		if name != "clock" && d.Spec.Strategy.RollingUpdate.MaxUnavailable.String() != "0" {
			t.Errorf("%s: maxUnavailable must be 0", name)
		}
	}
}

// checkPod: non-root, read-only, no token, a versioned image, requests and
// limits of CPU, memory and ephemeral storage, the one ConfigMap and Secret.
func checkPod(t *testing.T, name string, spec corev1.PodSpec) {
	t.Helper()
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Errorf("%s: runAsNonRoot must be true", name)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: must not mount a service account token", name)
	}
	for _, ctr := range spec.Containers {
		sc := ctr.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: read-only root and no privilege escalation", name)
		}
		if !versionTag.MatchString(ctr.Image) {
			t.Errorf("%s: image %q must be Ferry's, tagged with a version", name, ctr.Image)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			req, okReq := ctr.Resources.Requests[r]
			lim, okLim := ctr.Resources.Limits[r]
			if !okReq || !okLim || lim.Cmp(req) < 0 {
				t.Errorf("%s: %s request %v and limit %v both needed, limit >= request", name, r, req.String(), lim.String())
			}
		}
		if len(ctr.EnvFrom) != 2 || ctr.EnvFrom[0].ConfigMapRef == nil || ctr.EnvFrom[1].SecretRef == nil {
			t.Errorf("%s: envFrom must be the ConfigMap and the Secret", name)
		}
	}
}

func checkMigrationHook(t *testing.T, o *objects) {
	job := o.jobs["ferry-migrate"]
	if job == nil {
		t.Fatal("no Job ferry-migrate")
	}
	if got := job.Annotations["helm.sh/hook"]; got != "pre-install,pre-upgrade" {
		t.Errorf("the migration runs as hook %q, want pre-install,pre-upgrade", got)
	}
	checkPod(t, "migrate", job.Spec.Template.Spec)
	if !slices.Equal(job.Spec.Template.Spec.Containers[0].Args, []string{"migrate"}) {
		t.Errorf("the Job runs %q", job.Spec.Template.Spec.Containers[0].Args)
	}
	for name, d := range o.deployments {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			if slices.Contains(ctr.Args, "migrate") {
				t.Errorf("%s runs migrate; that is the hook's", name)
			}
		}
	}
}

func checkScaling(t *testing.T, o *objects, vals map[string]any) {
	scaled := map[string]bool{}
	for _, h := range o.hpas {
		scaled[h.Spec.ScaleTargetRef.Name] = true
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
			t.Errorf("HPA %s: minReplicas below 2", h.Name)
		}
	}
	for name, d := range o.deployments {
		if scaled[d.Name] && d.Spec.Replicas != nil {
			t.Errorf("%s sets replicas while an HPA scales it", name)
		}
		if !scaled[d.Name] && d.Spec.Replicas == nil {
			t.Errorf("%s has neither replicas nor an HPA", name)
		}
		var n int
		for _, p := range o.pdbs {
			if selects(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is covered by %d PodDisruptionBudgets, want 1", name, n)
		}
	}
	if ing, _ := vals["ingress"].(map[string]any); ing == nil || ing["enabled"] != false {
		if len(o.ingresses) != 1 || len(o.ingresses[0].Spec.TLS) == 0 {
			t.Errorf("want one Ingress with TLS, got %d", len(o.ingresses))
		}
	} else if len(o.ingresses) != 0 {
		t.Error("ingress.enabled false still renders an Ingress")
	}
}

func checkNetwork(t *testing.T, o *objects) {
	for name, d := range o.deployments {
		var ingressDeny, egressDeny bool
		egress := map[string]bool{}
		for _, np := range o.netpols {
			if !selects(np.Spec.PodSelector.MatchLabels, d.Spec.Template.Labels) {
				continue
			}
			for _, pt := range np.Spec.PolicyTypes {
				switch {
				case pt == networkingv1.PolicyTypeIngress && len(np.Spec.Ingress) == 0:
					ingressDeny = true
				case pt == networkingv1.PolicyTypeEgress && len(np.Spec.Egress) == 0:
					egressDeny = true
				}
			}
			for _, r := range np.Spec.Egress {
				for _, p := range r.Ports {
					egress[fmt.Sprintf("%s/%d", *p.Protocol, p.Port.IntValue())] = true
				}
			}
		}
		if !ingressDeny || !egressDeny {
			t.Errorf("%s: default deny ingress %v, egress %v; want both", name, ingressDeny, egressDeny)
		}
		for _, want := range []string{"UDP/53", "TCP/53", "TCP/5432", "TCP/6379", "TCP/443", "TCP/4318", "TCP/587"} {
			if !egress[want] {
				t.Errorf("%s: no egress to %s", name, want)
			}
		}
	}
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// TestSchema: values.schema.json refuses what the policies forbid.
func TestSchema(t *testing.T) {
	t.Parallel()
	c := loadChart(t)
	bad := map[string]map[string]any{
		"latest tag":        {"image": map[string]any{"tag": "latest"}},
		"one web replica":   {"web": map[string]any{"autoscaling": map[string]any{"minReplicas": 1}}},
		"no ephemeral":      {"clock": map[string]any{"resources": map[string]any{"limits": map[string]any{"ephemeral-storage": nil}}}},
		"two clocks":        {"clock": map[string]any{"replicas": 2}},
		"unknown value":     {"replicaCount": 3},
		"lower-case config": {"config": map[string]any{"port": "3000"}},
	}
	for name, vals := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := render(t, c, vals); err == nil || !strings.Contains(err.Error(), "schema") {
				t.Errorf("rendered, want a schema error (got %v)", err)
			}
		})
	}
}

// kubeScoreVersion and the cache folder are deploy/kubescore_test.go's: a
// kube-score installed by either test serves both.
const kubeScoreVersion = "v1.20.0"

func checkKubeScore(t *testing.T, o *objects) {
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	bin := filepath.Join(cache, "ferry-tools", "kube-score-"+kubeScoreVersion, "kube-score")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("kube-score %s is not in %s: `go test ./deploy -run TestKubeScore` installs it", kubeScoreVersion, bin)
	}
	cmd := exec.Command(bin, "score", "--output-format", "ci", "--kubernetes-version", "v1.30", "-")
	cmd.Stdin = bytes.NewReader(o.yaml)
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	var critical, warnings int
	for line := range strings.Lines(string(out)) {
		switch {
		case strings.HasPrefix(line, "[CRITICAL]"):
			critical++
			t.Error(strings.TrimSpace(line))
		case strings.HasPrefix(line, "[WARNING]"):
			warnings++
			if !strings.Contains(line, "podAntiAffinity") { // argued in deploy/k8s/base/web.yaml
				t.Error(strings.TrimSpace(line))
			}
		}
	}
	t.Logf("kube-score %s: %d critical, %d warnings", kubeScoreVersion, critical, warnings)
}
