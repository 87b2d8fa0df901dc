package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestDemoted(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  []string // level fields in the output, in order
	}{
		{"info hides the info lines", slog.LevelInfo, []string{`"level":"WARN"`, `"level":"ERROR"`}},
		{"debug shows them as debug", slog.LevelDebug, []string{`"level":"DEBUG","msg":"chatter"`, `"level":"WARN"`, `"level":"ERROR"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			l := Demoted(New(&b, tt.level, "worker")).With("component", "river")
			l.Info("chatter")
			l.Warn("slow")
			l.Error("broken")
			lines := strings.Split(strings.TrimSpace(b.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.want), b.String())
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], `"component":"river"`) {
					t.Errorf("line %d %s, want %s", i, lines[i], w)
				}
			}
		})
	}
}
