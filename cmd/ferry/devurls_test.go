package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestOneOffFindsDevStack: in a folder where `ferry dev` recorded its
// services, `ferry migrate` and `ferry admin` use them when the
// environment names none, and say so; a variable that is set wins, and
// production never reads the file.
func TestOneOffFindsDevStack(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".ferry"), 0o755); err != nil {
		t.Fatal(err)
	}
	urls := `{"DATABASE_URL": "` + dbtest.URL(t) + `", "PUBLIC_URL": "http://localhost:3000"}`
	if err := os.WriteFile(filepath.Join(dir, ".ferry", "urls.json"), []byte(urls), 0o600); err != nil {
		t.Fatal(err)
	}
	const found = "using DATABASE_URL, PUBLIC_URL from ./.ferry/urls.json"
	tests := []struct {
		name    string
		env     []string
		args    []string
		code    int
		want    string // in stderr
		notWant string
	}{
		{"migrate", nil, []string{"migrate"}, 0, found, ""},
		{"admin", nil, []string{"admin", "stats"}, 0, found, ""},
		{"the environment wins", []string{"DATABASE_URL=postgres://postgres@127.0.0.1:1/x?sslmode=disable"}, []string{"admin", "stats"}, 1, "database unreachable", "DATABASE_URL, "},
		{"production reads no file", []string{"APP_ENV=production"}, []string{"admin", "stats"}, 2, "DATABASE_URL", "urls.json"},
	}
	for _, tt := range tests { // in order: migrate before stats
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runIn(t, dir, baseEnv(tt.env...), "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) || (tt.notWant != "" && strings.Contains(errOut, tt.notWant)) {
				t.Errorf("exit %d, want %d with %q and without %q:\n%s%s", code, tt.code, tt.want, tt.notWant, out, errOut)
			}
		})
	}
}
