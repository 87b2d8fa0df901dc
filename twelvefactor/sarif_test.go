package twelvefactor

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFSchema: the SARIF output, of a run with findings, ignored and
// baselined ones, and of a clean run, validates against the SARIF 2.1.0
// schema (testdata/sarif/sarif-schema-2.1.0.json, from the npm package
// @microsoft/jest-sarif, MIT), and carries what GitHub code scanning
// reads: a driver name, rules, and results with a message, a location
// with a relative URI and a start line, and a partial fingerprint.
func TestSARIFSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "sarif", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	// The schema does refuse what is not SARIF: a log without runs.
	notSARIF, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"results":[]}]}`))
	if schema.Validate(notSARIF) == nil {
		t.Fatal("a run without a tool validates")
	}
	bad, err := Run(filepath.Join("testdata", "go", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	bad.Findings[0].Ignored, bad.Findings[0].Reason = true, "kept for the demo"
	baselined, _ := Run(filepath.Join("testdata", "js", "bad"))
	b := baselined.Baseline()
	b.Findings = b.Findings[1:]
	baselined.ApplyBaseline(b)
	for name, r := range map[string]*Report{"findings": bad, "baseline": baselined, "clean": {}} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := r.WriteSARIF(&out); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("not valid SARIF 2.1.0: %v\n%s", err, out.String())
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Name  string
							Rules []struct{ ID string }
						}
					}
					Results []struct {
						RuleID              string
						Message             struct{ Text string }
						BaselineState       string
						PartialFingerprints map[string]string
						Locations           []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string }
								Region           struct{ StartLine int }
							}
						}
					}
				}
			}
			if err := json.Unmarshal(out.Bytes(), &log); err != nil || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "twelvefactor" {
				t.Fatalf("SARIF run: %v %+v", err, log)
			}
			states := map[string]int{}
			for _, res := range log.Runs[0].Results {
				loc := res.Locations[0].PhysicalLocation
				if res.Message.Text == "" || loc.ArtifactLocation.URI == "" || strings.HasPrefix(loc.ArtifactLocation.URI, "/") || res.PartialFingerprints["twelvefactor/v1"] == "" {
					t.Errorf("result %+v", res)
				}
				states[res.BaselineState]++
			}
			if name == "baseline" && (states["new"] != 1 || states["unchanged"] != len(log.Runs[0].Results)-1) {
				t.Errorf("baseline states %v", states)
			}
		})
	}
}

// TestBaseline: a baseline holds today's findings; with it, the same tree
// fails on nothing, a finding whose line moved stays baselined, and a
// new finding fails.
func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.py", "password = \"hunter2hunter2\"\n")
	r, err := Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteBaseline(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBaseline(&buf)
	if err != nil || len(b.Findings) != 1 {
		t.Fatalf("baseline %+v, %v", b, err)
	}
	tests := []struct {
		name    string
		content string
		failing int
	}{
		{"unchanged", "password = \"hunter2hunter2\"\n", 0},
		{"moved down", "import os\n\npassword = \"hunter2hunter2\"\n", 0},
		{"one new", "password = \"hunter2hunter2\"\napi_key = \"k3y-f0r-the-api\"\n", 1},
		{"the same twice", "password = \"hunter2hunter2\"\nx = 1\npassword = \"hunter2hunter2\"\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, dir, "a.py", tt.content)
			r, err := Run(dir)
			if err != nil {
				t.Fatal(err)
			}
			r.ApplyBaseline(b)
			if n := r.Failing(Error); n != tt.failing {
				t.Errorf("failing %d, want %d: %+v", n, tt.failing, r.Findings)
			}
		})
	}
	if _, err := ReadBaseline(strings.NewReader(`{"version":2}`)); err == nil {
		t.Error("a baseline of another version is read")
	}
}

// TestExplain: every rule has an explanation naming its fix; the table's
// libraries appear under their rule; an unknown id is refused.
func TestExplain(t *testing.T) {
	for _, r := range Rules() {
		text, ok := Explain(strings.ToLower(r.ID))
		if !ok || !strings.HasPrefix(text, r.ID+" (") || !strings.Contains(text, "Fix:") || strings.Contains(text, "\n#### ") {
			t.Errorf("Explain(%s) = %q, %v", r.ID, text, ok)
		}
	}
	if text, _ := Explain("TF6-LOCAL-STATE"); !strings.Contains(text, "github.com/ulule/limiter/v3/drivers/store/memory") {
		t.Errorf("TF6-LOCAL-STATE's explanation lacks the table's libraries:\n%s", text)
	}
	if _, ok := Explain("TF99-NOPE"); ok {
		t.Error("an unknown rule is explained")
	}
}

// TestLibraries: every entry of the table names a known rule and says
// what it finds and the fix.
func TestLibraries(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = true
	}
	for _, l := range libraries {
		if !ids[l.rule] || l.module == "" || l.what == "" || l.fix == "" || l.use == "$" && l.unless == "" {
			t.Errorf("library entry %+v", l)
		}
	}
}
