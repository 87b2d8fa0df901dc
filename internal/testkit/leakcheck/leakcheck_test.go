package leakcheck

import (
	"strings"
	"testing"
)

func TestLeaks(t *testing.T) {
	tests := []struct {
		name    string
		secrets map[string]string
		logs    []string
		want    int
	}{
		{"clean", map[string]string{"token": "ferry_abcdefgh123"}, []string{`{"msg":"request","route":"GET /s/{token}"}`}, 0},
		{"token in a line", map[string]string{"token": "ferry_abcdefgh123"}, []string{"ok\n" + `{"auth":"Bearer ferry_abcdefgh123"}`}, 1},
		{"short values are not checked", map[string]string{"password": "abc"}, []string{"abc abc"}, 0},
		{"two secrets on one line", map[string]string{"password": "correct horse", "cookie": "sessionvalue1"}, []string{"correct horse sessionvalue1"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Suite
			for kind, v := range tt.secrets {
				s.Secret(kind, v)
			}
			for _, l := range tt.logs {
				s.Add(l)
			}
			got := s.Leaks()
			if len(got) != tt.want {
				t.Fatalf("Leaks() = %q, want %d", got, tt.want)
			}
			var out strings.Builder
			if code := s.Finish(0, false, &out); (code == 1) != (tt.want > 0) || (out.Len() > 0) != (tt.want > 0) {
				t.Errorf("Finish(0) = %d, wrote %q", code, out.String())
			}
			for _, g := range got {
				for _, v := range tt.secrets {
					if len(v) >= minLen && strings.Contains(g, v) {
						t.Errorf("report repeats the secret: %s", g)
					}
				}
			}
		})
	}
}
