// Command eval measures the audit on real applications: it downloads a
// corpus of published apps at pinned versions (npm packages and Go
// modules, listed in corpus.json), runs twelvefactor on each, and prints
// precision and recall against the hand-written labels in labels/, per
// check, per factor and for the five classic violations. `make
// audit-eval` runs it; it needs the registries, so it is not a test.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ferryhq/ferry/twelvefactor"
)

// project is one application of the corpus.
type project struct {
	Name    string `json:"name"`
	Source  string `json:"source"` // "npm" or "go"
	Package string `json:"package"`
	Version string `json:"version"`
	What    string `json:"what"`
	// Round 0 projects were also used to find the audit's misses, so
	// their figures flatter it. Projects of a later round were labelled
	// before the audit ever ran on them; the rules were changed after
	// rounds 1, 2 and 3 (README.md says what), and not after round 4.
	Round int `json:"round"`
}

func main() {
	here := flag.String("dir", "twelvefactor/eval", "the folder holding corpus.json and labels/")
	cache := flag.String("cache", defaultCache(), "where downloaded projects are kept")
	verbose := flag.Bool("v", false, "print each judged finding")
	flag.Parse()
	if err := run(*here, *cache, *verbose, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "audit-eval:", err)
		os.Exit(1)
	}
}

func defaultCache() string {
	if d := os.Getenv("FERRY_AUDIT_CORPUS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "ferry-tools", "audit-corpus")
	}
	return filepath.Join(home, ".cache", "ferry-tools", "audit-corpus")
}

func run(here, cache string, verbose bool, out io.Writer) error {
	var corpus []project
	if err := readJSON(filepath.Join(here, "corpus.json"), &corpus); err != nil {
		return err
	}
	var results []projectResult
	for _, p := range corpus {
		var l labels
		if err := readJSON(filepath.Join(here, "labels", p.Name+".json"), &l); err != nil {
			return err
		}
		if err := l.complete(); err != nil {
			return fmt.Errorf("labels/%s.json: %w", p.Name, err)
		}
		dir, err := fetch(p, cache)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		rep, err := twelvefactor.Run(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		results = append(results, judge(p, l, rep))
	}
	return printResults(out, results, verbose)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// fetch makes sure the project is in the cache and returns its folder.
func fetch(p project, cache string) (string, error) {
	switch p.Source {
	case "npm":
		dir := filepath.Join(cache, "npm", strings.ReplaceAll(p.Package, "/", "__")+"@"+p.Version)
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
			return dir, nil
		}
		tmp, err := os.MkdirTemp(cache, "pack-")
		if err != nil {
			if err := os.MkdirAll(cache, 0o755); err != nil {
				return "", err
			}
			if tmp, err = os.MkdirTemp(cache, "pack-"); err != nil {
				return "", err
			}
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("npm", "pack", p.Package+"@"+p.Version, "--silent", "--pack-destination", tmp)
		cmd.Stderr = os.Stderr
		name, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("npm pack %s@%s: %w", p.Package, p.Version, err)
		}
		lines := strings.Fields(string(name))
		if len(lines) == 0 {
			return "", errors.New("npm pack named no tarball")
		}
		part := dir + ".part"
		os.RemoveAll(part)
		if err := untar(filepath.Join(tmp, lines[len(lines)-1]), part); err != nil {
			return "", err
		}
		return dir, os.Rename(part, dir)
	case "go":
		// The module goes to a module cache of the corpus's own, through
		// the Go module proxy, as go mod download always fetches.
		cmd := exec.Command("go", "mod", "download", "-json", p.Package+"@"+p.Version)
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(cache, "gomod"), "GOWORK=off", "GOFLAGS=-modcacherw")
		b, err := cmd.Output()
		var info struct{ Dir, Error string }
		if jerr := json.Unmarshal(b, &info); jerr != nil || info.Dir == "" {
			return "", fmt.Errorf("go mod download %s@%s: %v %s", p.Package, p.Version, err, info.Error)
		}
		return info.Dir, nil
	}
	return "", fmt.Errorf("unknown source %q", p.Source)
}

// untar unpacks an npm tarball into dir, dropping its first path element
// (package/) and refusing paths that leave dir.
func untar(tarball, dir string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		_, rel, ok := strings.Cut(filepath.ToSlash(h.Name), "/")
		if !ok || rel == "" || strings.HasPrefix(filepath.Clean(rel), "..") || filepath.IsAbs(rel) {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		w, err := os.Create(dst)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, io.LimitReader(tr, 64<<20))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}
