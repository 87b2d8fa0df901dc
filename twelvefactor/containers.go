package twelvefactor

import (
	"errors"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	ruleRoot = Rule{"TFC-ROOT", 6, Error, "the container runs as root",
		"add a non-root USER to the final stage (or use a :nonroot base image) and set runAsNonRoot"}
	ruleLatest = Rule{"TFC-IMAGE-LATEST", 5, Warning, "an image is pulled by the moving tag latest (or no tag)",
		"pin a version tag or digest, so a release always runs the same image"}
	ruleNoProbes = Rule{"TFK-NO-PROBES", 13, Warning, "a long-running container has no liveness or readiness probe",
		"add a livenessProbe on an endpoint that touches nothing and a readinessProbe that checks backing services"}
	ruleNoLimits = Rule{"TFK-NO-LIMITS", 8, Warning, "a container has no resource limits",
		"set resources.requests and resources.limits, so the scheduler can place and scale each process type"}
	ruleConfigMapSecret = Rule{"TFK-SECRET-IN-CONFIGMAP", 3, Error, "a ConfigMap holds a secret",
		"move the value to a Secret (or an external secret store) and reference it with envFrom or secretKeyRef"}
)

var fromLine = regexp.MustCompile(`(?i)^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?`)
var userLine = regexp.MustCompile(`(?i)^\s*USER\s+(\S+)`)

// dockerFindings checks each FROM's tag and who the final stage runs as.
func dockerFindings(rel string, lines []string) []Finding {
	var out []Finding
	stages := map[string]bool{}
	lastFrom, lastImage, user := 0, "", ""
	for i, line := range lines {
		if m := fromLine.FindStringSubmatch(line); m != nil {
			image := strings.ToLower(m[1])
			if unpinned(image) && !stages[image] && image != "scratch" && !strings.Contains(image, "$") {
				out = append(out, newFinding(ruleLatest, rel, i+1, ruleLatest.Severity))
			}
			if m[2] != "" {
				stages[strings.ToLower(m[2])] = true
			}
			lastFrom, lastImage, user = i+1, image, ""
		}
		if m := userLine.FindStringSubmatch(line); m != nil {
			user = m[1]
		}
	}
	root := user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:")
	if lastFrom > 0 && root && !(user == "" && strings.Contains(lastImage, "nonroot")) {
		out = append(out, newFinding(ruleRoot, rel, lastFrom, ruleRoot.Severity))
	}
	return out
}

// unpinned reports an image reference with no tag, or the tag latest.
func unpinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return false
	}
	name := image[strings.LastIndex(image, "/")+1:]
	tag, hasTag := "", strings.Contains(name, ":")
	if hasTag {
		tag = name[strings.Index(name, ":")+1:]
	}
	return !hasTag || tag == "latest"
}

var workloads = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob"}

var secretKey = regexp.MustCompile(`(?i)(?:password|passwd|secret|api_?key|token|private_?key|credentials?)`)

// kubeFindings reads each Kubernetes object in a YAML stream.
func kubeFindings(rel, content string) []Finding {
	if !strings.Contains(content, "apiVersion") || !strings.Contains(content, "kind") {
		return nil
	}
	dec := yaml.NewDecoder(strings.NewReader(content))
	var out []Finding
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) || err != nil {
			return out // a broken document ends what can be read, never the audit
		}
		if len(doc.Content) == 0 {
			continue
		}
		obj := doc.Content[0]
		kind := value(obj, "kind")
		switch {
		case kind == "ConfigMap":
			out = append(out, configMapFindings(rel, obj)...)
		case slices.Contains(workloads, kind):
			out = append(out, workloadFindings(rel, kind, obj)...)
		}
	}
}

func configMapFindings(rel string, obj *yaml.Node) []Finding {
	data := child(obj, "data")
	if data == nil {
		return nil
	}
	var out []Finding
	for i := 0; i+1 < len(data.Content); i += 2 {
		k, v := data.Content[i], data.Content[i+1]
		m := urlCredentials.FindStringSubmatch(v.Value)
		credURL := m != nil && realValue(m[1])
		if secretKey.MatchString(k.Value) && realValue(v.Value) && v.Value != "" || credURL {
			out = append(out, newFinding(ruleConfigMapSecret, rel, k.Line, ruleConfigMapSecret.Severity))
		}
	}
	return out
}

// workloadFindings checks every container of a workload's pod template.
func workloadFindings(rel, kind string, obj *yaml.Node) []Finding {
	spec := child(obj, "spec")
	pod := spec
	for _, step := range podPath(kind) {
		pod = child(pod, step)
	}
	if pod == nil {
		return nil
	}
	longRunning := kind != "Job" && kind != "CronJob"
	podNonRoot := value(child(pod, "securityContext"), "runAsNonRoot") == "true"
	var out []Finding
	for _, c := range children(child(pod, "containers")) {
		line := c.Line
		if n := child(c, "name"); n != nil {
			line = n.Line
		}
		if longRunning && child(c, "livenessProbe") == nil && child(c, "readinessProbe") == nil {
			out = append(out, newFinding(ruleNoProbes, rel, line, ruleNoProbes.Severity))
		}
		if child(child(c, "resources"), "limits") == nil {
			out = append(out, newFinding(ruleNoLimits, rel, line, ruleNoLimits.Severity))
		}
		if img := child(c, "image"); img != nil && unpinned(strings.ToLower(img.Value)) {
			out = append(out, newFinding(ruleLatest, rel, img.Line, ruleLatest.Severity))
		}
		if !podNonRoot && value(child(c, "securityContext"), "runAsNonRoot") != "true" {
			out = append(out, newFinding(ruleRoot, rel, line, Warning))
		}
	}
	return out
}

// podPath leads from a workload's spec to its pod spec.
func podPath(kind string) []string {
	switch kind {
	case "Pod":
		return nil
	case "CronJob":
		return []string{"jobTemplate", "spec", "template", "spec"}
	}
	return []string{"template", "spec"}
}

// child is the value of key in mapping node n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func value(n *yaml.Node, key string) string {
	if c := child(n, key); c != nil && c.Kind == yaml.ScalarNode {
		return c.Value
	}
	return ""
}

func children(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// heldImage is an unpinned image finding and the image's name without a tag.
type heldImage struct {
	name    string
	finding Finding
}

// holdImages takes the unpinned-image findings out of a YAML file's
// findings, so that a kustomization elsewhere in the tree can pin them.
func holdImages(fs []Finding, lines []string) ([]Finding, []heldImage) {
	var held []heldImage
	out := fs[:0]
	for _, f := range fs {
		if f.Rule != ruleLatest.ID || f.Line < 1 || f.Line > len(lines) {
			out = append(out, f)
			continue
		}
		_, image, _ := strings.Cut(lines[f.Line-1], "image:")
		image, _, _ = strings.Cut(image, " #") // a trailing comment
		image = strings.Trim(strings.TrimSpace(image), `"'}, `)
		held = append(held, heldImage{imageName(image), f})
	}
	return out, held
}

// imageName strips the tag or digest from an image reference.
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return strings.ToLower(ref)
}

// kustomizePins lists the images a Kustomization pins to a version or
// digest in its images: list, the usual way a base leaves the tag to the
// overlay that deploys it.
func kustomizePins(rel, content string) []string {
	base := strings.ToLower(path.Base(rel))
	named := base == "kustomization.yaml" || base == "kustomization.yml" || base == "kustomization"
	if !named && !strings.Contains(content, "Kustomization") {
		return nil
	}
	var k struct {
		Kind   string
		Images []struct {
			Name   string
			NewTag string `yaml:"newTag"`
			Digest string
		}
	}
	if yaml.Unmarshal([]byte(content), &k) != nil || !named && k.Kind != "Kustomization" {
		return nil
	}
	var pins []string
	for _, img := range k.Images {
		if img.Digest != "" || img.NewTag != "" && img.NewTag != "latest" {
			pins = append(pins, strings.ToLower(img.Name))
		}
	}
	return pins
}
