package dev

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestURLsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": "postgres://a", "REDIS_URL": "redis://b", "BLOB_URL": "file:///c", "PUBLIC_URL": "http://localhost:3000", "PORT": "3000"}
	if err := writeURLs(dir, env); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, URLsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("urls.json: %v, mode %v; want 0600", err, fi.Mode())
	}
	tests := []struct {
		name      string
		environ   []string
		wantAdded []string
		wantUsed  []string
	}{
		{"nothing set", nil, []string{"DATABASE_URL=postgres://a", "REDIS_URL=redis://b", "BLOB_URL=file:///c", "PUBLIC_URL=http://localhost:3000"}, []string{"DATABASE_URL", "REDIS_URL", "BLOB_URL", "PUBLIC_URL"}},
		{"environment wins", []string{"DATABASE_URL=postgres://mine", "REDIS_URL=redis://mine"}, []string{"BLOB_URL=file:///c", "PUBLIC_URL=http://localhost:3000"}, []string{"BLOB_URL", "PUBLIC_URL"}},
		{"production reads nothing", []string{"APP_ENV=production"}, nil, nil},
		{"production in capitals", []string{"APP_ENV=Production"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, used, err := StackEnviron(dir, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[len(tt.environ):], tt.wantAdded) || !slices.Equal(used, tt.wantUsed) {
				t.Errorf("added %q used %q, want %q %q", got[len(tt.environ):], used, tt.wantAdded, tt.wantUsed)
			}
		})
	}
	if got, used, err := StackEnviron(t.TempDir(), []string{"A=1"}); err != nil || len(used) != 0 || !slices.Equal(got, []string{"A=1"}) {
		t.Errorf("outside a dev folder: %q %q %v", got, used, err)
	}
}
