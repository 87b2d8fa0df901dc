package twelvefactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestFixtures: each language's project with known violations gives
// exactly the findings in its want.txt, and its clean twin gives none.
func TestFixtures(t *testing.T) {
	for _, lang := range []string{"go", "js", "python", "ruby", "java", "deploy"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(filepath.Join("testdata", lang, "want.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if got := found(t, filepath.Join("testdata", lang, "bad")); got != string(want) {
				t.Errorf("findings in %s/bad:\n%s\nwant:\n%s", lang, got, want)
			}
			if got := found(t, filepath.Join("testdata", lang, "good")); got != "" {
				t.Errorf("findings in %s/good, want none:\n%s", lang, got)
			}
		})
	}
}

// found lists a folder's findings as "file:line RULE" lines.
func found(t *testing.T, dir string) string {
	t.Helper()
	r, err := Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.File + ":" + strconv.Itoa(f.Line) + " " + f.Rule + "\n")
	}
	return b.String()
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTreeHandling: ignores, skipped folders and files, lowered severity
// for tests, and a symlink loop that must not trap the walk.
func TestTreeHandling(t *testing.T) {
	dir := t.TempDir()
	secret := "const password = \"hunter2hunter2\"\n"
	write(t, dir, "app.js", "// twelve-factor:ignore TF3-SECRET-LITERAL a demo value, rotated\n"+secret)
	write(t, dir, "app_test.go", "package app\n\nvar password = \"hunter2hunter2\"\n")
	write(t, dir, "node_modules/lib/index.js", secret)
	write(t, dir, "vendor/lib/x.go", secret)
	write(t, dir, "build/out.js", secret)
	write(t, dir, "gen.js", secret)
	write(t, dir, ".gitignore", "build/\n/gen.js\n")
	write(t, dir, "blob.js", "\x00\x01"+secret)
	write(t, dir, "huge.js", strings.Repeat("// filler line\n", maxFileSize/15+10)+secret)
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	r, err := Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		{Rule: "TF3-SECRET-LITERAL", File: "app.js", Line: 2, Severity: Error, Ignored: true, Reason: "a demo value, rotated"},
		{Rule: "TF3-SECRET-LITERAL", File: "app_test.go", Line: 3, Severity: Warning},
	}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings %+v, want %+v", r.Findings, want)
	}
	for i, w := range want {
		g := r.Findings[i]
		if g.Rule != w.Rule || g.File != w.File || g.Line != w.Line || g.Severity != w.Severity || g.Ignored != w.Ignored || g.Reason != w.Reason {
			t.Errorf("finding %d = %+v, want %+v", i, g, w)
		}
	}
	if r.Files != 2 || r.Skipped != 2 { // app.js and app_test.go read; blob.js and huge.js skipped
		t.Errorf("files %d, skipped %d; want 2 and 2", r.Files, r.Skipped)
	}
	if n := r.Failing(Error); n != 0 {
		t.Errorf("%d failing at error, want 0 (one ignored, one lowered)", n)
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
	file := filepath.Join(t.TempDir(), "f.go")
	write(t, filepath.Dir(file), "f.go", "package f\n")
	if _, err := Run(file); !errors.Is(err, ErrNotFolder) {
		t.Errorf("file instead of folder: %v", err)
	}
	// A folder named through a symlink is read, not taken for empty.
	real := t.TempDir()
	write(t, real, "a.py", "password = \"hunter2hunter2\"\n")
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if r, err := Run(link); err != nil || r.Files != 1 || len(r.Findings) != 1 {
		t.Errorf("symlinked folder: %+v, %v", r, err)
	}
}

// TestProjectRules: the findings made from the whole project honour inline
// ignores; an ignore comment naming TF9 is not itself SIGTERM handling;
// kustomizations without a kind still pin; CR line ends count as lines.
func TestProjectRules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "main.go", "package main\n\n"+
		"// twelve-factor:ignore TF9-NO-SIGTERM a one-shot tool, killed with its job\n"+
		"func main() { http.ListenAndServe(\":\"+os.Getenv(\"PORT\"), nil) } // twelve-factor:ignore TF13-NO-HEALTH no platform probes it\n")
	write(t, dir, "k8s/base/app.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true}\n      containers:\n        - name: app\n          image: acme/app # the overlay sets the tag\n          readinessProbe: {httpGet: {path: /ready, port: 80}}\n          resources: {limits: {memory: 1Gi}}\n")
	write(t, dir, "k8s/prod/kustomization.yaml", "resources: [../base]\nimages:\n  - name: acme/app\n    newTag: 2.0.1\n")
	write(t, dir, "cr.yaml", "apiVersion: v1\rkind: Pod\rspec:\r  containers:\r    - name: x\r      image: x:1.0\r")
	r, err := Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Finding{}
	for _, f := range r.Findings {
		got[f.File+" "+f.Rule] = f
	}
	for _, key := range []string{"main.go TF9-NO-SIGTERM", "main.go TF13-NO-HEALTH"} {
		if f, ok := got[key]; !ok || !f.Ignored {
			t.Errorf("%s: %+v, want it reported and ignored", key, f)
		}
	}
	if f, ok := got["k8s/base/app.yaml TFC-IMAGE-LATEST"]; ok {
		t.Errorf("an image the kustomization pins is reported: %+v", f)
	}
	if f := got["cr.yaml TFK-NO-PROBES"]; f.Line != 5 {
		t.Errorf("CR-only YAML: finding at %+v, want line 5", f)
	}
}

func TestOutputs(t *testing.T) {
	r, err := Run(filepath.Join("testdata", "deploy", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	r.Findings[0].Ignored, r.Findings[0].Reason = true, "kept for the demo"

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var arr []map[string]any
	if err := json.Unmarshal(js.Bytes(), &arr); err != nil || len(arr) != len(r.Findings) {
		t.Fatalf("JSON: %v, %d items", err, len(arr))
	}
	for _, key := range []string{"rule", "factor", "severity", "file", "line", "message", "fix"} {
		if _, ok := arr[0][key]; !ok {
			t.Errorf("JSON finding lacks %q: %v", key, arr[0])
		}
	}

	var clean bytes.Buffer
	if err := (&Report{}).WriteSARIF(&clean); err != nil || !strings.Contains(clean.String(), `"rules": []`) {
		t.Errorf("a clean run's SARIF must list rules as an empty array: %v\n%s", err, clean.String())
	}
	var sarif bytes.Buffer
	if err := r.WriteSARIF(&sarif); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID       string
				Level        string
				Suppressions []struct{ Kind, Justification string }
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &doc); err != nil || doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("SARIF: %v %+v", err, doc)
	}
	run := doc.Runs[0]
	if len(run.Results) != len(r.Findings) || len(run.Results[0].Suppressions) != 1 || run.Results[0].Suppressions[0].Justification != "kept for the demo" {
		t.Errorf("SARIF results: %+v", run.Results)
	}
	var ids []string
	for _, rule := range run.Tool.Driver.Rules {
		ids = append(ids, rule.ID)
	}
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation
		if !slices.Contains(ids, res.RuleID) || loc.ArtifactLocation.URI == "" || loc.Region.StartLine < 1 {
			t.Errorf("SARIF result %+v", res)
		}
	}

	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil || !strings.Contains(table.String(), "Dockerfile:3") || !strings.Contains(table.String(), "ignored: kept for the demo") {
		t.Errorf("table: %v\n%s", err, table.String())
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		v          string
		real, rand bool
	}{
		{"hunter2hunter2", true, false},
		{"${DB_PASSWORD}", false, false},
		{"changeme", false, false},
		{"Ferry-Share-Password", false, false},
		{"pass", false, false},
		{"4eC39HqLyjWDarjtT1zdp7dc", true, true},
		{"aaaaaaaaaaaaaaaaaaaaaaaa", true, false},
	}
	for _, tt := range tests {
		if got := realValue(tt.v); got != tt.real {
			t.Errorf("realValue(%q) = %v", tt.v, got)
		}
		if got := looksRandom(tt.v); got != tt.rand {
			t.Errorf("looksRandom(%q) = %v", tt.v, got)
		}
	}
}

// FuzzScan: no content, in any kind of file, makes the matchers panic or
// report a line the file does not have.
func FuzzScan(f *testing.F) {
	names := []string{"a.go", "a.js", "a.py", "a.rb", "A.java", "Dockerfile", "compose.yaml", "k8s.yaml", "Procfile", "package.json", ".env", "logback.xml", "go.mod"}
	f.Add(uint8(0), "var password = \"hunter2hunter2\"\n")
	f.Add(uint8(7), "apiVersion: v1\nkind: ConfigMap\ndata:\n  DB_PASSWORD: x1y2z3w4\n")
	f.Add(uint8(9), `{"scripts":{"start":"npm install && node ."}}`)
	f.Add(uint8(5), "FROM node\nUSER root\n")
	// Every fixture is a seed too, so the hints are checked against each
	// line the rules are known to match.
	fixtures, _ := filepath.Glob("testdata/*/*/*")
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(slices.Index(names, filepath.Base(p))+len(names)), string(b))
	}
	f.Fuzz(func(t *testing.T, k uint8, content string) {
		name := names[int(k)%len(names)]
		findings, _ := scanContent(name, content)
		lines := len(splitLines(content))
		for _, line := range splitLines(content) {
			lower, ascii := lowerASCII(line)
			for _, r := range lineRules {
				if ascii && r.re.MatchString(line) && !hinted(r.ID, lower) {
					t.Fatalf("%s matches %q, which holds none of its hints", r.ID, line)
				}
			}
			for re, hints := range map[*regexp.Regexp][]string{serverStart: serverHints, sigterm: sigtermHints, healthPath: healthHints} {
				if ascii && re.MatchString(line) && !containsAny(lower, hints) {
					t.Fatalf("%s matches %q, which holds none of its hints", re, line)
				}
			}
		}
		for _, fd := range findings {
			if fd.Line < 0 || fd.Line > lines || fd.File != name || fd.Factor < 1 || fd.Factor > 13 {
				t.Fatalf("finding %+v in a %d-line %s", fd, lines, name)
			}
		}
	})
}

// TestRulesDocumented: README.md has a section for every rule.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !strings.Contains(string(doc), "#### "+r.ID+" (") {
			t.Errorf("README.md has no section for %s", r.ID)
		}
		if r.Factor < 1 || r.Factor > 13 || r.Message == "" || r.Fix == "" {
			t.Errorf("rule %+v is incomplete", r)
		}
	}
	for _, l := range libraries {
		if !strings.Contains(string(doc), "| "+string(l.eco)+" | `"+l.module+"` |") {
			t.Errorf("README.md's table of libraries lacks %s %s", l.eco, l.module)
		}
	}
}
