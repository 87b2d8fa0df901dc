package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// stage is one FROM of the Dockerfile and the instructions under it.
type stage struct {
	base, name string
	nodes      []*parser.Node
}

func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	return parseContainerfile(t, "../Dockerfile")
}

func parseContainerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	for _, n := range res.AST.Children {
		n.Value = strings.ToLower(n.Value) // the parser keeps the case as written
		if n.Value == "from" {
			args := words(n)
			s := stage{base: args[0]}
			if len(args) == 3 && strings.EqualFold(args[1], "AS") {
				s.name = args[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].nodes = append(stages[len(stages)-1].nodes, n)
		}
	}
	return stages
}

// words are an instruction's arguments.
func words(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

func (s stage) all(instr string) []*parser.Node {
	var out []*parser.Node
	for _, n := range s.nodes {
		if n.Value == instr {
			out = append(out, n)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and a final image", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(build.base, "docker.io/library/golang:") {
		t.Errorf("builder is %q, want the official golang image, named in full (docker.io/library/golang)", build.base)
	}
	for _, s := range stages {
		if host, _, _ := strings.Cut(s.base, "/"); !strings.Contains(host, ".") {
			t.Errorf("stage %s: base %q must name its registry: podman and buildah refuse short names", s.name, s.base)
		}
	}
	t.Run("labels", func(t *testing.T) { checkLabels(t, final) })
	if final.base != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final stage is %q, want gcr.io/distroless/static-debian12:nonroot", final.base)
	}
	t.Run("build", func(t *testing.T) { checkBuildStage(t, build) })
	for _, s := range stages[1:] {
		t.Run("stage "+s.name, func(t *testing.T) { checkRuntimeStage(t, s) })
	}
	t.Run("no downloads", func(t *testing.T) {
		for _, s := range stages {
			for _, n := range s.nodes {
				checkNoFetch(t, n)
			}
		}
	})
}

func checkBuildStage(t *testing.T, s stage) {
	var env, run string
	for _, n := range s.all("env") {
		env += strings.Join(words(n), " ") + " "
	}
	if !strings.Contains(env, "CGO_ENABLED 0") {
		t.Errorf("the build needs ENV CGO_ENABLED=0, got %q", env)
	}
	// The root go.work also names the twelvefactor module, which is not in
	// the build context; the image is built from Ferry's go.mod alone.
	if !strings.Contains(env, "GOWORK off") {
		t.Errorf("the build needs ENV GOWORK=off, got %q", env)
	}
	caches := map[string]bool{}
	for _, n := range s.all("run") {
		run += strings.Join(words(n), " ") + "\n"
		for _, f := range n.Flags {
			if strings.HasPrefix(f, "--mount=type=cache,target=") {
				caches[strings.TrimPrefix(f, "--mount=type=cache,target=")] = true
			}
		}
	}
	for _, want := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
		if !caches[want] {
			t.Errorf("no cache mount for %s", want)
		}
	}
	for _, want := range []string{"go build -trimpath", "./cmd/ferry",
		"buildinfo.Version=${VERSION}", "buildinfo.Commit=${COMMIT}", "buildinfo.Date=${DATE}"} {
		if !strings.Contains(run, want) {
			t.Errorf("the build does not contain %q", want)
		}
	}
	var args []string
	for _, n := range s.all("arg") {
		name, _, _ := strings.Cut(words(n)[0], "=")
		args = append(args, name)
	}
	for _, want := range []string{"VERSION", "COMMIT", "DATE"} {
		if !slices.Contains(args, want) {
			t.Errorf("no build ARG %s", want)
		}
	}
}

func checkRuntimeStage(t *testing.T, s stage) {
	users := s.all("user")
	if len(users) == 0 {
		t.Fatal("no USER")
	}
	user := words(users[len(users)-1])[0]
	if name, _, _ := strings.Cut(user, ":"); name == "root" || name == "0" {
		t.Errorf("runs as %q", user)
	}
	if len(s.all("expose")) == 0 {
		t.Error("no EXPOSE")
	}
	if len(s.all("run")) > 0 {
		t.Error("a runtime stage must not RUN anything: it has no shell")
	}
	for _, n := range s.all("copy") {
		if !slices.Contains(n.Flags, "--from=build") {
			t.Errorf("copies %v from outside the build stage", words(n))
		}
	}
}

var (
	urlArg   = regexp.MustCompile(`(?i)^(https?|ftp)://`)
	fetchers = regexp.MustCompile(`\b(curl|wget|git clone|go install)\b|https?://`)
	secretic = regexp.MustCompile(`(?i)(password|secret|token|api_?key|access_?key|_URL$)`)
)

func checkNoFetch(t *testing.T, n *parser.Node) {
	t.Helper()
	args := words(n)
	switch n.Value {
	case "add":
		for _, a := range args {
			if urlArg.MatchString(a) || strings.HasPrefix(a, "git@") {
				t.Errorf("line %d: ADD from a URL: %s", n.StartLine, n.Original)
			}
		}
	case "run":
		if fetchers.MatchString(strings.Join(args, " ")) {
			t.Errorf("line %d: fetches from the network: %s", n.StartLine, n.Original)
		}
	case "env", "arg":
		for _, a := range args {
			name, _, _ := strings.Cut(a, "=")
			if secretic.MatchString(name) {
				t.Errorf("line %d: %s bakes a secret-like %s into the image", n.StartLine, strings.ToUpper(n.Value), name)
			}
		}
	}
}

// checkLabels: the image carries the OCI labels, from the same build
// arguments that stamp the binary.
func checkLabels(t *testing.T, s stage) {
	t.Helper()
	got := map[string]string{}
	for _, n := range s.all("label") {
		w := words(n)
		for i := 0; i+1 < len(w); i += 3 { // key, value, "=" per pair
			got[w[i]] = strings.Trim(w[i+1], `"`)
		}
	}
	want := map[string]string{
		"org.opencontainers.image.version":  "${VERSION}",
		"org.opencontainers.image.revision": "${COMMIT}",
		"org.opencontainers.image.created":  "${DATE}",
		"org.opencontainers.image.source":   "${SOURCE}",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("LABEL %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestContainerfile: the runtime-only image needs nothing but its build
// context: scratch, no RUN, a non-root user, the same labels.
func TestContainerfile(t *testing.T) {
	t.Parallel()
	stages := parseContainerfile(t, "image/Containerfile")
	if len(stages) != 1 || stages[0].base != "scratch" {
		t.Fatalf("want one stage FROM scratch, got %+v", stages)
	}
	s := stages[0]
	users := s.all("user")
	if len(users) == 0 || words(users[len(users)-1])[0] != "65532:65532" {
		t.Error("want USER 65532:65532, the user of the Dockerfile's runtime stage and of the manifests")
	}
	if len(s.all("run")) > 0 {
		t.Error("FROM scratch has no shell to RUN anything")
	}
	checkLabels(t, s)
	var copied []string
	for _, n := range s.all("copy") {
		w := words(n)
		copied = append(copied, w[:len(w)-1]...)
	}
	for _, want := range []string{"ferry", "ca-certificates.crt", "passwd", "group", "tmp"} {
		if !slices.Contains(copied, want) {
			t.Errorf("the image does not COPY %s (copies %v)", want, copied)
		}
	}
	b, err := os.ReadFile("image/passwd")
	if err != nil || !strings.Contains(string(b), ":x:65532:65532:") {
		t.Errorf("image/passwd must define uid 65532 (err %v)", err)
	}
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, want := range []string{".git", ".env", ".ferry", "bin", "dist"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}
