package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/twelvefactor"
)

// TestJudge: a present label is found only in its files, an absent one
// is a false alarm wherever its rules report, lowered findings do not
// count, and labels must judge every classic.
func TestJudge(t *testing.T) {
	rep := &twelvefactor.Report{Findings: []twelvefactor.Finding{
		{Rule: "TF6-LOCAL-STATE", File: "src/app.js", Line: 3, Severity: twelvefactor.Warning},
		{Rule: "TF11-LOG-FILE", File: "lib/log.js", Line: 9, Severity: twelvefactor.Error},
		{Rule: "TF3-SECRET-LITERAL", File: "test/a.js", Line: 1, Severity: twelvefactor.Warning}, // lowered: not counted
		{Rule: "TF10-SQLITE-DEV", File: "go.mod", Line: 5, Severity: twelvefactor.Warning, Ignored: true},
	}}
	l := labels{
		Present: []label{
			{Check: "in-memory-sessions-or-limits", Files: []string{"src/"}, Why: "w"},
			{Check: "installs-in-start-scripts", Why: "w"},
		},
		Absent: []label{
			{Check: "log-files", Why: "w"},
			{Check: "hard-coded-secrets", Why: "w"},
			{Check: "sqlite-in-development", Why: "w"},
		},
	}
	if err := l.complete(); err != nil {
		t.Fatal(err)
	}
	res := judge(project{Name: "p"}, l, rep)
	want := map[string][2]bool{ // check → want, got
		"in-memory-sessions-or-limits": {true, true},
		"installs-in-start-scripts":    {true, false},
		"log-files":                    {false, true},
		"hard-coded-secrets":           {false, false},
		"sqlite-in-development":        {false, false},
	}
	for _, o := range res.outcomes {
		if w := want[o.check.id]; o.want != w[0] || o.got != w[1] {
			t.Errorf("%s: want %v got %v, expected %v", o.check.id, o.want, o.got, w)
		}
	}
	var out bytes.Buffer
	if err := printResults(&out, []projectResult{res}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| **the five together** | 1 | 1 | 1 | 2 | 50% | 50% |") {
		t.Errorf("tables:\n%s", out.String())
	}
	l.Absent = l.Absent[:2]
	if err := l.complete(); err == nil {
		t.Error("labels leaving sqlite-in-development unjudged are accepted")
	}
	l.Absent = append(l.Absent, label{Check: "TF99-NONE", Why: "w"})
	if err := l.complete(); err == nil {
		t.Error("an unknown check is accepted")
	}
}
