package web

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestAssetsCurrent rebuilds the tus upload script from
// internal/web/assets-src as `make assets` does (npm ci of the locked
// versions, then build.mjs with the pinned esbuild), in a temporary
// folder, and fails when the committed assets/tus.js or assets-src/NOTICE
// differ from what the sources build: run `make assets` and commit. It
// needs node and npm and the npm registry (or its cache), and is skipped
// without node or npm, or with -short.
func TestAssetsCurrent(t *testing.T) {
	testkit.SkipShort(t, "installs the asset sources with npm")
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed: cannot rebuild internal/web/assets/tus.js to compare", bin)
		}
	}
	src, dir, out := filepath.Join("assets-src"), t.TempDir(), t.TempDir()
	for _, name := range []string{"package.json", "package-lock.json", "build.mjs", "tus-upload.js"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"},
		{"node", "build.mjs", out},
	} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
	}
	for committed, built := range map[string]string{
		filepath.Join("assets", "tus.js"): filepath.Join(out, "tus.js"),
		filepath.Join(src, "NOTICE"):      filepath.Join(out, "NOTICE"),
	} {
		want, err := os.ReadFile(built)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(committed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%d bytes) is not what its sources build (%d bytes): run `make assets` and commit", committed, len(got), len(want))
		}
	}
}
