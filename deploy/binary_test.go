package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestStaticBinary builds ferry the way the Dockerfile and `make release`
// do, then runs `ferry version` with an empty environment: the binary needs
// nothing from the host, and shows what the build stamped.
func TestStaticBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ferry")
	const pkg = "github.com/ferryhq/ferry/internal/buildinfo"
	build := exec.Command("go", "build", "-trimpath", "-o", bin,
		"-ldflags", "-s -w -X "+pkg+".Version=v9.8.7-test -X "+pkg+".Commit=f00dcafe -X "+pkg+".Date=2026-01-02T03:04:05Z",
		"../cmd/ferry")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	run := exec.Command(bin, "version")
	if envPath, err := exec.LookPath("env"); err == nil {
		run = exec.Command(envPath, "-i", bin, "version")
	}
	run.Env = []string{}
	run.Dir = t.TempDir()
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("env -i ferry version: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "ferry v9.8.7-test (commit f00dcafe, built 2026-01-02T03:04:05Z)"; got != want {
		t.Errorf("ferry version printed %q, want %q", got, want)
	}

	if runtime.GOOS == "linux" {
		checkStatic(t, bin)
	}
}

// checkStatic fails if the ELF binary asks for a dynamic loader or libraries.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links %v", libs)
	}
}

// TestReleaseTarget holds `make release` to the platforms and the stamping
// of `make build`, without running three cross builds in every test run.
func TestReleaseTarget(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	mk := string(b)
	_, recipe, ok := strings.Cut(mk, "\nrelease:")
	if !ok {
		t.Fatal("no release target in the Makefile")
	}
	tests := []struct{ what, in, want string }{
		{"platforms", mk, "RELEASE_PLATFORMS := linux/amd64 linux/arm64 darwin/arm64"},
		{"phony", mk, " release\n"},
		{"static", recipe, "CGO_ENABLED=0"},
		{"reproducible paths", recipe, "-trimpath"},
		{"version stamped like make build", recipe, `-ldflags "$(LDFLAGS)"`},
		{"output", recipe, "-o $$out ./cmd/ferry"},
		{"checksums", recipe, "$(SHA256SUM) ferry-* > SHA256SUMS"},
		{"an SBOM per binary", recipe, "go run $(SBOM_TOOL) bin -json -std -licenses -version $(VERSION) -output $$out.cdx.json $$out"},
		{"the image's labels", recipe, `"org.opencontainers.image.version=$(VERSION)" "org.opencontainers.image.revision=$(COMMIT)"`},
		{"labels file", recipe, "> dist/ferry-$(VERSION).oci-labels"},
	}
	// go run of a tool at a fixed version: the SBOM does not change with
	// whatever the proxy serves as latest.
	if !regexp.MustCompile(`(?m)^SBOM_TOOL := github\.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v\d+\.\d+\.\d+$`).MatchString(mk) {
		t.Error("SBOM_TOOL must pin cyclonedx-gomod at a version")
	}
	for _, tt := range tests {
		if !strings.Contains(tt.in, tt.want) {
			t.Errorf("%s: the Makefile lacks %q", tt.what, tt.want)
		}
	}
}
