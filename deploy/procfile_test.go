package deploy

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestProcfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../Procfile")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.Lines(string(b)) {
		name, cmd, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			t.Errorf("not a process line: %q", line)
			continue
		}
		if _, dup := got[name]; dup {
			t.Errorf("process %s twice", name)
		}
		got[name] = strings.TrimSpace(cmd)
	}
	want := map[string]string{
		"web":     "ferry web",
		"worker":  "ferry worker",
		"clock":   "ferry clock",
		"release": "ferry migrate",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Procfile has %v, want %v", got, want)
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if name != "release" && strings.Contains(got[name], "migrate") {
			t.Errorf("%s migrates; only the release phase does", name)
		}
	}
}
