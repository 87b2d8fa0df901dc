package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
)

// kubeScoreVersion is the kube-score the tests hold the manifests to.
const kubeScoreVersion = "v1.20.0"

// kubeScore finds kube-score at kubeScoreVersion, or installs it once into
// a cache folder keyed by the version (`go install` compiles it and its
// Kubernetes dependencies: about 2.5 minutes on a cold cache of 2 cores).
// A binary already there, or on PATH or in $GOPATH/bin at that version
// (read from its build info), is used as it is. It skips the test when
// kube-score cannot be installed.
func kubeScore(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "ferry-tools", "kube-score-"+kubeScoreVersion)
	candidates := []string{filepath.Join(dir, "kube-score")}
	if p, err := exec.LookPath("kube-score"); err == nil {
		candidates = append(candidates, p)
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		candidates = append(candidates, filepath.Join(strings.TrimSpace(string(gopath)), "bin", "kube-score"))
	}
	for _, c := range candidates {
		if moduleVersion(c) == kubeScoreVersion {
			return c
		}
	}
	testkit.SkipShort(t, "installs kube-score")
	start := time.Now()
	install := exec.Command("go", "install", "github.com/zegl/kube-score/cmd/kube-score@"+kubeScoreVersion)
	install.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("kube-score %s cannot be installed: %v\n%s", kubeScoreVersion, err, out)
	}
	t.Logf("installed kube-score %s in %v", kubeScoreVersion, time.Since(start).Round(time.Second))
	return candidates[0]
}

// moduleVersion is the version of the main module a Go binary was built
// from ("" when it is missing or not a Go binary).
func moduleVersion(bin string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/zegl/kube-score" {
			return f[2]
		}
	}
	return ""
}

// kubeScoreWarnings are the warnings kube-score still gives, each argued
// here and in docs/operations.md ("kube-score"). Anything else fails.
var kubeScoreWarnings = map[string]string{
	"ferry-web apps/v1/Deployment: Deployment does not have a host podAntiAffinity set":    "topologySpreadConstraints per hostname and zone spread the replicas (web.yaml says why)",
	"ferry-worker apps/v1/Deployment: Deployment does not have a host podAntiAffinity set": "as for web (worker.yaml)",
}

// TestKubeScore renders each overlay and runs kube-score over it: no
// critical finding, and no warning beyond the argued ones above.
func TestKubeScore(t *testing.T) {
	t.Parallel()
	bin := kubeScore(t)
	for _, overlay := range overlays {
		t.Run(overlay, func(t *testing.T) {
			y, err := kustomizeOverlay(t, overlay).AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "score", "--output-format", "ci", "--kubernetes-version", "v1.30", "-")
			cmd.Stdin = bytes.NewReader(y)
			out, err := cmd.Output()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			var critical, warnings int
			for line := range strings.Lines(string(out)) {
				line = strings.TrimSpace(line)
				switch {
				case strings.HasPrefix(line, "[CRITICAL]"):
					critical++
					t.Errorf("%s", line)
				case strings.HasPrefix(line, "[WARNING]"):
					warnings++
					if _, ok := kubeScoreWarnings[warningKey(line)]; !ok {
						t.Errorf("%s (not argued in kubeScoreWarnings)", line)
					}
				}
			}
			t.Logf("kube-score %s: %d critical, %d warnings", kubeScoreVersion, critical, warnings)
		})
	}
}

// warningKey is a ci-format line without its level and namespace:
// "[WARNING] ferry-web/ferry-staging apps/v1/Deployment: check" is
// "ferry-web apps/v1/Deployment: check".
func warningKey(line string) string {
	_, rest, _ := strings.Cut(line, "] ")
	obj, rest, _ := strings.Cut(rest, " ")
	name, _, _ := strings.Cut(obj, "/")
	return name + " " + rest
}
