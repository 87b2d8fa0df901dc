package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: exit codes, formats and errors of the command, and this
// module's own tree, fixtures and all, audits clean at error level.
func TestRun(t *testing.T) {
	t.Parallel()
	fixtures := "../../testdata/"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"violations", []string{fixtures + "go/bad"}, 1, "TF6-MEMORY-SESSIONS", "findings at or above error"},
		{"clean twin", []string{fixtures + "go/good"}, 0, "0 findings", ""},
		{"warnings fail when asked", []string{"--fail-on", "warning", fixtures + "ruby/bad"}, 1, "TF12-MIGRATE-ON-START", ""},
		{"sarif", []string{"--format", "sarif", fixtures + "deploy/bad"}, 1, `"version": "2.1.0"`, ""},
		{"json", []string{"--format", "json", fixtures + "java/good"}, 0, "[]", ""},
		{"flags after the folder", []string{fixtures + "java/good", "--format", "json"}, 0, "[]", ""},
		{"help", []string{"--help"}, 0, "Usage: twelvefactor [--format table|json|sarif]", ""},
		{"version", []string{"--version"}, 0, "twelvefactor ", ""},
		{"missing folder", []string{fixtures + "nowhere"}, 2, "", "no such file or directory"},
		{"file, not folder", []string{"main.go"}, 2, "", "not a folder"},
		{"bad format", []string{"--format", "xml", "."}, 2, "", "--format must be"},
		{"bad severity", []string{"--fail-on", "fatal", "."}, 2, "", "--fail-on must be"},
		{"unknown flag", []string{"--bogus", "."}, 2, "", "run 'twelvefactor --help' for usage"},
		{"two folders", []string{"a", "b"}, 2, "", "one folder"},
		{"the module itself", []string{"../.."}, 0, "findings in", ""},
		{"explain", []string{"--explain", "TF6-MEMORY-SESSIONS"}, 0, "express-session", ""},
		{"explain an unknown rule", []string{"--explain", "TF0-NONE"}, 2, "", "no rule"},
		{"missing baseline", []string{"--baseline", "nowhere.json", fixtures + "go/bad"}, 2, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(tt.args, &out, &errOut)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("twelvefactor %v: exit %d (want %d)\nstdout: %s\nstderr: %s", tt.args, code, tt.code, out.String(), errOut.String())
			}
		})
	}
}

// TestBaselineFlags: --write-baseline writes the run's findings and exits
// 0; --baseline with that file then passes, and the table marks them.
func TestBaselineFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "baseline.json")
	var out, errOut bytes.Buffer
	if code := run([]string{"--write-baseline", file, "../../testdata/go/bad"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "findings written to") {
		t.Fatalf("--write-baseline: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"--baseline", file, "../../testdata/go/bad"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "baseline") {
		t.Errorf("--baseline: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"--baseline", file, "../../testdata/js/bad"}, &out, &errOut); code != 1 {
		t.Errorf("--baseline of another project: exit %d, want 1\n%s", code, out.String())
	}
}
