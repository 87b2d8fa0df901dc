// Package deploy holds the tests of Ferry's deployment artifacts: the
// Kubernetes manifests, compose.yaml, the Dockerfile, the Procfile and the
// release build. There is no cluster or Docker engine in CI, so each
// artifact is parsed the way its tool would and held to Ferry's policies.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/config"
	"github.com/ferryhq/ferry/internal/units"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// rendered is one overlay's output, decoded into the Kubernetes API types.
type rendered struct {
	deployments  map[string]*appsv1.Deployment
	jobs         map[string]*batchv1.Job
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	ingresses    []*networkingv1.Ingress
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	pdbs         []*policyv1.PodDisruptionBudget
	netpols      []*networkingv1.NetworkPolicy
	serviceAccts map[string]*corev1.ServiceAccount
}

var overlays = []string{"staging", "production"}

// renderOverlay builds an overlay with kustomize in-process, from a copy of
// deploy/k8s in which each overlay's secrets.env is its checked-in example.
func renderOverlay(t *testing.T, overlay string) *rendered {
	t.Helper()
	resMap := kustomizeOverlay(t, overlay)
	r := &rendered{
		deployments:  map[string]*appsv1.Deployment{},
		jobs:         map[string]*batchv1.Job{},
		services:     map[string]*corev1.Service{},
		configMaps:   map[string]*corev1.ConfigMap{},
		secrets:      map[string]*corev1.Secret{},
		serviceAccts: map[string]*corev1.ServiceAccount{},
	}
	for _, res := range resMap.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.add(y); err != nil {
			t.Fatalf("%s: %s %s: %v", overlay, res.GetKind(), res.GetName(), err)
		}
	}
	return r
}

// kustomizeOverlay is `kustomize build` of an overlay, in-process.
func kustomizeOverlay(t *testing.T, overlay string) resmap.ResMap {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("k8s")); err != nil {
		t.Fatal(err)
	}
	for _, o := range overlays {
		od := filepath.Join(dir, "overlays", o)
		example, err := os.ReadFile(filepath.Join(od, "secrets.env.example"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(od, "secrets.env"), example, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "overlays", overlay))
	if err != nil {
		t.Fatalf("kustomize %s: %v", overlay, err)
	}
	return resMap
}

// add decodes one object strictly: a field the API type does not have is
// an error, as it would be for `kubectl apply --validate=strict`.
func (r *rendered) add(y []byte) error {
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		return err
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(j, &head); err != nil {
		return err
	}
	strict := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(j))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		return decodeInto(strict, r.deployments, func(o *appsv1.Deployment) string { return o.Name })
	case "batch/v1 Job":
		return decodeInto(strict, r.jobs, func(o *batchv1.Job) string { return o.Name })
	case "v1 Service":
		return decodeInto(strict, r.services, func(o *corev1.Service) string { return o.Name })
	case "v1 ConfigMap":
		return decodeInto(strict, r.configMaps, func(o *corev1.ConfigMap) string { return o.Name })
	case "v1 Secret":
		return decodeInto(strict, r.secrets, func(o *corev1.Secret) string { return o.Name })
	case "v1 ServiceAccount":
		return decodeInto(strict, r.serviceAccts, func(o *corev1.ServiceAccount) string { return o.Name })
	case "networking.k8s.io/v1 Ingress":
		return appendTo(strict, &r.ingresses)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return appendTo(strict, &r.hpas)
	case "policy/v1 PodDisruptionBudget":
		return appendTo(strict, &r.pdbs)
	case "networking.k8s.io/v1 NetworkPolicy":
		return appendTo(strict, &r.netpols)
	}
	return fmt.Errorf("unexpected kind %s %s", head.APIVersion, head.Kind)
}

func decodeInto[T any](strict func(any) error, m map[string]*T, name func(*T) string) error {
	o := new(T)
	if err := strict(o); err != nil {
		return err
	}
	m[name(o)] = o
	return nil
}

func appendTo[T any](strict func(any) error, s *[]*T) error {
	o := new(T)
	if err := strict(o); err != nil {
		return err
	}
	*s = append(*s, o)
	return nil
}

// defaults is the configuration Ferry runs with when nothing is set.
func defaults(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOverlays(t *testing.T) {
	t.Parallel()
	for _, overlay := range overlays {
		t.Run(overlay, func(t *testing.T) {
			t.Parallel()
			r := renderOverlay(t, overlay)
			t.Run("deployments", func(t *testing.T) { checkDeployments(t, r) })
			t.Run("migration", func(t *testing.T) { checkMigration(t, r) })
			t.Run("images", func(t *testing.T) { checkImages(t, r) })
			t.Run("env", func(t *testing.T) { checkEnvFrom(t, r) })
			t.Run("web traffic", func(t *testing.T) { checkWebTraffic(t, r) })
			t.Run("scaling", func(t *testing.T) { checkScaling(t, r) })
			t.Run("network", func(t *testing.T) { checkNetwork(t, r) })
		})
	}
}

// process is what each long-running process type must look like.
type process struct {
	name        string
	port        int // where /health and /ready answer
	metrics     int // where /metrics answers
	preStop     bool
	zeroUnavail bool
}

func processes(c *config.Config) []process {
	return []process{
		{name: "web", port: c.Port, metrics: c.MetricsPort, preStop: true, zeroUnavail: true},
		{name: "worker", port: c.MetricsPort, metrics: c.MetricsPort},
		{name: "clock", port: c.MetricsPort, metrics: c.MetricsPort},
	}
}

func checkDeployments(t *testing.T, r *rendered) {
	c := defaults(t)
	if len(r.deployments) != 3 {
		t.Errorf("got %d Deployments, want web, worker and clock", len(r.deployments))
	}
	for _, p := range processes(c) {
		t.Run(p.name, func(t *testing.T) {
			d := r.deployments["ferry-"+p.name]
			if d == nil {
				t.Fatalf("no Deployment ferry-%s", p.name)
			}
			spec := d.Spec.Template.Spec
			if len(spec.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(spec.Containers))
			}
			ctr := spec.Containers[0]
			if !slices.Equal(ctr.Args, []string{p.name}) || len(ctr.Command) != 0 {
				t.Errorf("runs %q %q, want args [%s]", ctr.Command, ctr.Args, p.name)
			}
			checkProbe(t, "liveness", ctr, ctr.LivenessProbe, "/health", p.port)
			checkProbe(t, "readiness", ctr, ctr.ReadinessProbe, "/ready", p.port)
			if got := d.Spec.Template.Annotations["prometheus.io/port"]; got != fmt.Sprint(p.metrics) {
				t.Errorf("prometheus.io/port = %q, want METRICS_PORT %d", got, p.metrics)
			}
			if !slices.ContainsFunc(ctr.Ports, func(cp corev1.ContainerPort) bool { return int(cp.ContainerPort) == p.metrics }) {
				t.Errorf("%s: no container port %d for /metrics", ctr.Name, p.metrics)
			}
			checkResources(t, ctr)
			checkSecurity(t, spec, ctr)
			checkGrace(t, r, spec, ctr, p.preStop)
			if p.zeroUnavail {
				ru := d.Spec.Strategy.RollingUpdate
				if ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.String() != "0" {
					t.Errorf("rolling update must keep every ready replica (maxUnavailable 0), got %+v", ru)
				}
			}
			checkSpread(t, d)
		})
	}
}

func checkProbe(t *testing.T, kind string, ctr corev1.Container, p *corev1.Probe, path string, port int) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: none, want GET %s on %d", kind, path, port)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path %q, want %q", kind, p.HTTPGet.Path, path)
	}
	got := p.HTTPGet.Port.IntValue()
	if name := p.HTTPGet.Port.StrVal; name != "" {
		got = 0
		for _, cp := range ctr.Ports {
			if cp.Name == name {
				got = int(cp.ContainerPort)
			}
		}
	}
	if got != port {
		t.Errorf("%s probe port %v resolves to %d, want %d", kind, p.HTTPGet.Port.String(), got, port)
	}
}

func checkResources(t *testing.T, ctr corev1.Container) {
	t.Helper()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		req, hasReq := ctr.Resources.Requests[name]
		lim, hasLim := ctr.Resources.Limits[name]
		if !hasReq || !hasLim || req.IsZero() {
			t.Errorf("%s %s: request %v and limit %v both needed", ctr.Name, name, req.String(), lim.String())
			continue
		}
		if lim.Cmp(req) < 0 {
			t.Errorf("%s %s: limit %s below request %s", ctr.Name, name, lim.String(), req.String())
		}
	}
}

func checkSecurity(t *testing.T, spec corev1.PodSpec, ctr corev1.Container) {
	t.Helper()
	psc, sc := spec.SecurityContext, ctr.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod must set runAsNonRoot: true")
	}
	if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		t.Errorf("pod runs as uid 0")
	}
	if sc == nil {
		t.Fatalf("%s: no container securityContext", ctr.Name)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: readOnlyRootFilesystem must be true", ctr.Name)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation must be false", ctr.Name)
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: capabilities must drop ALL and add none, got %+v", ctr.Name, sc.Capabilities)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("pods must not mount a service account token: Ferry never calls the Kubernetes API")
	}
}

// checkGrace holds the grace period above the drain: the preStop pause plus
// SHUTDOWN_TIMEOUT, plus DRAIN_DELAY for web (the config's defaults, or the
// ConfigMap's values). Web's preStop pause already keeps it serving while
// endpoints drop it, so its DRAIN_DELAY must be 0 here.
func checkGrace(t *testing.T, r *rendered, spec corev1.PodSpec, ctr corev1.Container, wantPreStop bool) {
	t.Helper()
	drain := envDuration(t, r, ctr, "SHUTDOWN_TIMEOUT", time.Duration(defaults(t).ShutdownTimeout))
	if wantPreStop {
		delay := envDuration(t, r, ctr, "DRAIN_DELAY", time.Duration(defaults(t).DrainDelay))
		if delay != 0 {
			t.Errorf("%s: DRAIN_DELAY %v, want 0: the preStop sleep does its work under Kubernetes", ctr.Name, delay)
		}
		drain += delay
	}
	var pause time.Duration
	if ctr.Lifecycle != nil && ctr.Lifecycle.PreStop != nil && ctr.Lifecycle.PreStop.Sleep != nil {
		pause = time.Duration(ctr.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	if wantPreStop && pause <= 0 {
		t.Errorf("%s: needs a preStop sleep so load balancers stop sending before SIGTERM", ctr.Name)
	}
	if spec.TerminationGracePeriodSeconds == nil {
		t.Fatalf("%s: no terminationGracePeriodSeconds", ctr.Name)
	}
	grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	if grace <= pause+drain {
		t.Errorf("%s: terminationGracePeriodSeconds %v, want more than preStop %v + DRAIN_DELAY and SHUTDOWN_TIMEOUT %v", ctr.Name, grace, pause, drain)
	}
}

// envDuration is the longest value of a duration variable in the
// ConfigMaps ctr reads, or def when none sets it.
func envDuration(t *testing.T, r *rendered, ctr corev1.Container, name string, def time.Duration) time.Duration {
	t.Helper()
	got, set := def, false
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef == nil || r.configMaps[ef.ConfigMapRef.Name] == nil {
			continue
		}
		if v, ok := r.configMaps[ef.ConfigMapRef.Name].Data[name]; ok {
			var d units.Duration
			if err := d.UnmarshalText([]byte(v)); err != nil {
				t.Fatalf("%s %q: %v", name, v, err)
			}
			if !set || time.Duration(d) > got {
				got, set = time.Duration(d), true
			}
		}
	}
	return got
}

func checkSpread(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	tsc := d.Spec.Template.Spec.TopologySpreadConstraints
	if len(tsc) == 0 {
		t.Errorf("%s: no topologySpreadConstraints", d.Name)
	}
	for _, c := range tsc {
		if !selects(c.LabelSelector.MatchLabels, d.Spec.Template.Labels) || len(c.LabelSelector.MatchLabels) == 0 {
			t.Errorf("%s: spread constraint on %s does not select its own pods", d.Name, c.TopologyKey)
		}
	}
}

// selects reports whether a matchLabels selector matches the labels.
func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func checkMigration(t *testing.T, r *rendered) {
	job := r.jobs["ferry-migrate"]
	if job == nil {
		t.Fatal("no Job ferry-migrate")
	}
	spec := job.Spec.Template.Spec
	if len(spec.Containers) != 1 || !slices.Equal(spec.Containers[0].Args, []string{"migrate"}) {
		t.Errorf("ferry-migrate must run `ferry migrate`, got %+v", spec.Containers)
	}
	if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("migration restartPolicy %q", spec.RestartPolicy)
	}
	for _, ctr := range spec.Containers {
		checkSecurity(t, spec, ctr)
		checkResources(t, ctr)
	}
	for name, d := range r.deployments {
		for _, ctr := range slices.Concat(d.Spec.Template.Spec.InitContainers, d.Spec.Template.Spec.Containers) {
			if slices.Contains(slices.Concat(ctr.Command, ctr.Args), "migrate") {
				t.Errorf("Deployment %s runs migrate in %s; migrations are the Job's", name, ctr.Name)
			}
		}
	}
}

// podSpecs is the pod spec of every Deployment and Job.
func (r *rendered) podSpecs() []corev1.PodSpec {
	var pods []corev1.PodSpec
	for _, d := range r.deployments {
		pods = append(pods, d.Spec.Template.Spec)
	}
	for _, j := range r.jobs {
		pods = append(pods, j.Spec.Template.Spec)
	}
	return pods
}

// versionTag is the only kind of tag a release image may have.
var versionTag = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

func checkImages(t *testing.T, r *rendered) {
	for _, spec := range r.podSpecs() {
		for _, ctr := range slices.Concat(spec.InitContainers, spec.Containers) {
			name, tag, ok := strings.Cut(ctr.Image[strings.LastIndex(ctr.Image, "/")+1:], ":")
			if !ok || !versionTag.MatchString(tag) {
				t.Errorf("%s: image %q must be tagged with a version like v1.2.3 (never latest)", ctr.Name, ctr.Image)
			}
			if name != "ferry" {
				t.Errorf("%s: image %q is not Ferry's", ctr.Name, ctr.Image)
			}
		}
	}
}

// checkEnvFrom: every ConfigMap and Secret a pod reads is in the rendered
// set, and the keys are variables Ferry reads.
func checkEnvFrom(t *testing.T, r *rendered) {
	known := map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true}
	for _, v := range config.Vars() {
		known[v.Name] = true
	}
	for _, spec := range r.podSpecs() {
		for _, ctr := range spec.Containers {
			var cms, secrets int
			for _, ef := range ctr.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil:
					cms++
					if r.configMaps[ef.ConfigMapRef.Name] == nil {
						t.Errorf("%s reads ConfigMap %q, which is not rendered", ctr.Name, ef.ConfigMapRef.Name)
					}
				case ef.SecretRef != nil:
					secrets++
					if r.secrets[ef.SecretRef.Name] == nil {
						t.Errorf("%s reads Secret %q, which is not rendered", ctr.Name, ef.SecretRef.Name)
					}
				}
			}
			if cms != 1 || secrets != 1 {
				t.Errorf("%s: envFrom %d ConfigMaps and %d Secrets, want one of each", ctr.Name, cms, secrets)
			}
		}
		if spec.ServiceAccountName != "" && r.serviceAccts[spec.ServiceAccountName] == nil {
			t.Errorf("ServiceAccount %q is not rendered", spec.ServiceAccountName)
		}
	}
	for name, cm := range r.configMaps {
		for k := range cm.Data {
			if !known[k] {
				t.Errorf("ConfigMap %s sets %s, which Ferry does not read", name, k)
			}
		}
	}
	for name, s := range r.secrets {
		for k := range s.Data {
			if !known[k] {
				t.Errorf("Secret %s sets %s, which Ferry does not read", name, k)
			}
		}
	}
}

func checkWebTraffic(t *testing.T, r *rendered) {
	web := r.deployments["ferry-web"]
	svc := r.services["ferry-web"]
	if web == nil || svc == nil {
		t.Fatal("web needs a Deployment and a Service named ferry-web")
	}
	if !selects(svc.Spec.Selector, web.Spec.Template.Labels) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the web pods", svc.Spec.Selector)
	}
	if len(r.ingresses) != 1 {
		t.Fatalf("%d Ingresses, want 1", len(r.ingresses))
	}
	ing := r.ingresses[0]
	if len(ing.Spec.TLS) == 0 {
		t.Errorf("Ingress without TLS; production requires an https PUBLIC_URL")
	}
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			if p.Backend.Service == nil || r.services[p.Backend.Service.Name] == nil {
				t.Errorf("Ingress %s%s goes to no rendered Service", rule.Host, p.Path)
			}
		}
	}
	cm := r.configMaps[envFromConfigMap(web)]
	if cm != nil && !strings.Contains(cm.Data["PUBLIC_URL"], "://"+ing.Spec.Rules[0].Host) {
		t.Errorf("PUBLIC_URL %q is not the Ingress host %q", cm.Data["PUBLIC_URL"], ing.Spec.Rules[0].Host)
	}
}

func envFromConfigMap(d *appsv1.Deployment) string {
	for _, ef := range d.Spec.Template.Spec.Containers[0].EnvFrom {
		if ef.ConfigMapRef != nil {
			return ef.ConfigMapRef.Name
		}
	}
	return ""
}

func checkScaling(t *testing.T, r *rendered) {
	scaled := map[string]bool{}
	for _, h := range r.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || r.deployments[ref.Name] == nil {
			t.Errorf("HPA %s scales %s %s, which is not rendered", h.Name, ref.Kind, ref.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA %s: replicas %v..%d, want at least 2 and max >= min", h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		scaled[ref.Name] = true
		if d := r.deployments[ref.Name]; d != nil && d.Spec.Replicas != nil {
			t.Errorf("%s sets replicas %d, but HPA %s owns the count: every apply would reset it", d.Name, *d.Spec.Replicas, h.Name)
		}
	}
	for _, want := range []string{"ferry-web", "ferry-worker"} {
		if !scaled[want] {
			t.Errorf("no HPA for %s", want)
		}
	}
	for name, d := range r.deployments {
		var n int
		for _, p := range r.pdbs {
			if selects(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is covered by %d PodDisruptionBudgets, want 1", name, n)
		}
	}
}

func checkNetwork(t *testing.T, r *rendered) {
	var denyAll, webIngress, scraped bool
	c := defaults(t)
	web := r.deployments["ferry-web"].Spec.Template.Labels
	for _, np := range r.netpols {
		if len(np.Spec.Ingress) == 0 && slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
			denyAll = true
		}
		if !selects(np.Spec.PodSelector.MatchLabels, web) {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			fromMonitoring := slices.ContainsFunc(rule.From, func(p networkingv1.NetworkPolicyPeer) bool {
				return p.NamespaceSelector != nil && p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "monitoring"
			})
			for _, p := range rule.Ports {
				switch {
				case p.Port == nil:
				case p.Port.IntValue() == c.Port && fromMonitoring:
					t.Errorf("%s opens PORT %d to monitoring: /metrics is on METRICS_PORT only", np.Name, c.Port)
				case p.Port.IntValue() == c.Port:
					webIngress = true
				case p.Port.IntValue() == c.MetricsPort && fromMonitoring:
					scraped = true
				}
			}
		}
	}
	if !denyAll || !webIngress || !scraped {
		t.Errorf("NetworkPolicies: default deny %v, web reachable on $PORT %v, scraped on $METRICS_PORT %v; want all", denyAll, webIngress, scraped)
	}
	checkEgress(t, r)
}

// checkEgress: egress is denied by default, and every process may reach
// what it needs: DNS, Postgres, Redis, the object store, the OTLP
// collector and an SMTP relay.
func checkEgress(t *testing.T, r *rendered) {
	t.Helper()
	needs := []struct {
		what  string
		proto corev1.Protocol
		port  int
	}{
		{"DNS", corev1.ProtocolUDP, 53}, {"DNS over TCP", corev1.ProtocolTCP, 53},
		{"Postgres", corev1.ProtocolTCP, 5432}, {"Redis", corev1.ProtocolTCP, 6379},
		{"the object store", corev1.ProtocolTCP, 443}, {"OTLP over HTTP", corev1.ProtocolTCP, 4318},
		{"SMTP submission", corev1.ProtocolTCP, 587},
	}
	for name, d := range r.deployments {
		labels := d.Spec.Template.Labels
		var denied bool
		allowed := map[string]bool{}
		for _, np := range r.netpols {
			if !selects(np.Spec.PodSelector.MatchLabels, labels) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
				continue
			}
			if len(np.Spec.Egress) == 0 {
				denied = true
			}
			for _, rule := range np.Spec.Egress {
				for _, p := range rule.Ports {
					if p.Port != nil && p.Protocol != nil {
						allowed[fmt.Sprintf("%s/%d", *p.Protocol, p.Port.IntValue())] = true
					}
				}
			}
		}
		if !denied {
			t.Errorf("%s: no default-deny egress policy", name)
		}
		for _, n := range needs {
			if !allowed[fmt.Sprintf("%s/%d", n.proto, n.port)] {
				t.Errorf("%s: egress to %s (%s %d) is not allowed", name, n.what, n.proto, n.port)
			}
		}
	}
}

// TestSecretExamples: each overlay documents every secret Ferry reads, with
// no real value, and git ignores the file that holds the real ones.
func TestSecretExamples(t *testing.T) {
	t.Parallel()
	ignore, err := os.ReadFile("k8s/.gitignore")
	if err != nil || !strings.Contains(string(ignore), "secrets.env") {
		t.Errorf("deploy/k8s/.gitignore must ignore secrets.env (err %v)", err)
	}
	for _, overlay := range overlays {
		t.Run(overlay, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("k8s", "overlays", overlay, "secrets.env.example"))
			if err != nil {
				t.Fatal(err)
			}
			keys := map[string]string{}
			for line := range strings.Lines(string(b)) {
				line = strings.TrimSpace(line)
				if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
					keys[k] = v
				}
			}
			for _, v := range config.Vars() {
				if _, ok := keys[v.Name]; v.Secret && !ok {
					t.Errorf("secret %s is missing", v.Name)
				}
			}
			for k, v := range keys {
				if v != "" && !strings.Contains(v, "PASSWORD") && strings.Contains(v, "@") {
					t.Errorf("%s looks like a real credential: %q", k, v)
				}
			}
			if v := keys["AWS_SECRET_ACCESS_KEY"]; v != "" {
				t.Errorf("AWS_SECRET_ACCESS_KEY must be empty in the example")
			}
		})
	}
}
