package twelvefactor

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// maxFileSize bounds the files read; larger ones are skipped and counted,
// since source files that size are generated or data.
const maxFileSize = 2 << 20

// skipDirs are never entered.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true, ".hg": true, ".svn": true, "__pycache__": true, ".venv": true, "venv": true}

// Run audits the tree at dir. A missing or unreadable dir is an error;
// unreadable, binary and oversize files inside it are skipped and counted.
func Run(dir string) (*Report, error) {
	// The walk does not follow symlinks, so resolve the folder itself
	// first: a linked folder would otherwise read as empty and pass.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("twelvefactor: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("twelvefactor: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("twelvefactor: %s: %w", dir, ErrNotFolder)
	}
	ignore := readGitignore(dir)
	paths := make(chan string, 256)
	var walkErr error
	go func() {
		defer close(paths)
		walkErr = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			rel := relPath(dir, p)
			switch {
			case err != nil && p == dir:
				return err
			case err != nil:
				return nil // an unreadable folder is skipped; its files are not counted
			case d.IsDir() && p != dir && (skipDirs[d.Name()] || ignore.match(rel, true)):
				return fs.SkipDir
			case d.Type().IsRegular() && kindOf(rel) != kindNone && !ignore.match(rel, false):
				paths <- p
			}
			return nil // symlinks are not followed, so a loop cannot trap the walk
		})
	}()
	r := scanAll(dir, paths)
	if walkErr != nil {
		return nil, fmt.Errorf("twelvefactor: %w", walkErr)
	}
	r.Findings = append(r.Findings, projectFindings(r.facts)...)
	r.sort()
	return &r.Report, nil
}

// scanned is the report and the per-file facts the project rules need.
type scanned struct {
	Report
	facts []facts
}

// scanAll reads the files in parallel, one worker per CPU.
func scanAll(dir string, paths <-chan string) scanned {
	var mu sync.Mutex
	var out scanned
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for p := range paths {
				findings, f, err := scanFile(p, relPath(dir, p))
				mu.Lock()
				if err != nil {
					out.Skipped++
				} else {
					out.Files++
					out.Findings = append(out.Findings, findings...)
					out.facts = append(out.facts, f)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

var errSkip = errors.New("skipped")

// ErrNotFolder is returned by Run for a path that is a file, not a folder.
var ErrNotFolder = errors.New("not a folder")

// scanFile reads one file and applies every rule for its kind.
func scanFile(p, rel string) ([]Finding, facts, error) {
	info, err := os.Stat(p)
	if err != nil || info.Size() > maxFileSize {
		return nil, facts{}, errSkip
	}
	b, err := os.ReadFile(p)
	if err != nil || isBinary(b) {
		return nil, facts{}, errSkip
	}
	findings, f := scanContent(rel, string(b))
	return findings, f, nil
}

// scanContent applies the rules to one file's content; rel names the
// file in findings and decides its kind.
func scanContent(rel, content string) ([]Finding, facts) {
	// Lines end at \n alone below; YAML also ends them at a lone \r, so
	// both would count differently without this.
	content = strings.ReplaceAll(strings.ReplaceAll(content, "\r\n", "\n"), "\r", "\n")
	k := kindOf(rel)
	lines := splitLines(content)
	test := isTestPath(rel)
	var out []Finding
	lowerContent, ascii := lowerASCII(content)
	low := lowerLines(lines, lowerContent, ascii)
	rules := rulesFor(k, lowerContent, ascii)
	// In code, a line rule's match on a line that holds only a comment
	// is not code saying anything; the tokenizer tells those lines.
	var isCode []bool
	var cf codeFacts
	org := originOf(rel, content, lines)
	if sx, ok := syntaxes[k]; ok {
		toks := tokenize(content, sx)
		isCode = codeLines(toks, len(lines))
		switch {
		case org == minified:
		case k == kindGo:
			cf = goFacts(rel, content)
		case k == kindJSONConfig:
			cf = tokenFacts(k, rel, toks)
			cf.findings = nil // settings name no libraries; only their choices count
		default:
			cf = tokenFacts(k, rel, toks)
		}
	}
	for i, line := range lines {
		if isCode != nil && !isCode[i+1] {
			continue
		}
		for _, r := range rules {
			if low[i].ascii && !hinted(r.ID, low[i].text) {
				continue
			}
			m := r.re.FindStringSubmatch(line)
			if m == nil || r.unless != nil && r.unless.MatchString(m[0]) || r.unlessLine != nil && r.unlessLine.MatchString(line) || !r.keeps(m) {
				continue
			}
			if r.ID == "TF5-INSTALL-AT-START" && containsKind(codeKinds, k) && !entryFile(rel) {
				continue // a tool's own install command is not the app starting
			}
			out = append(out, newFinding(r.Rule, rel, i+1, r.Severity))
		}
	}
	out = append(out, fileFindings(k, rel, content, lines)...)
	out = dedupeSecrets(dedupeLines(append(out, cf.findings...)))
	for i := range out {
		switch {
		case org != written:
			// Generated and minified files are nobody's code to fix: what
			// is found there is a note, shown but never failing a run.
			out[i].Severity = Note
		case test:
			out[i].Severity = lower(out[i].Severity)
		}
		out[i].Level = out[i].Severity.String()
		applyIgnore(&out[i], lines)
		setText(&out[i], lines)
	}
	f := factsOf(k, rel, lines, low)
	f.merge(cf, org, lines)
	if k == kindYAML {
		out, f.unpinned = holdImages(out, lines)
		f.pins = kustomizePins(rel, content)
	}
	return out, f
}

// rulesFor is the line rules for files of kind k whose hints content
// holds somewhere; the rest cannot match any of its lines.
func rulesFor(k kind, lowerContent string, ascii bool) []lineRule {
	var rules []lineRule
	for _, r := range lineRules {
		if containsKind(r.kinds, k) && (!ascii || hinted(r.ID, lowerContent)) {
			rules = append(rules, r)
		}
	}
	return rules
}

// lowered is one line in lower case for the hint checks; ascii is false
// for a line the hints cannot be trusted on (see lowerASCII).
type lowered struct {
	text  string
	ascii bool
}

// lowerLines lower-cases each line once, for every rule and fact to share.
// An all-ASCII file is lowered whole and split, since lowering keeps its
// line breaks where they were.
func lowerLines(lines []string, lowerContent string, ascii bool) []lowered {
	out := make([]lowered, len(lines))
	var split []string
	if ascii {
		split = splitLines(lowerContent)
	}
	for i, line := range lines {
		if ascii {
			out[i] = lowered{split[i], true}
		} else {
			out[i].text, out[i].ascii = lowerASCII(line)
		}
	}
	return out
}

// lowerASCII lower-cases s and says whether s is plain ASCII. Hints are
// only trusted on ASCII text: (?i) in a pattern also folds letters such
// as the Kelvin sign, which strings.ToLower leaves alone.
func lowerASCII(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return s, false
		}
	}
	return strings.ToLower(s), true
}

func containsKind(ks []kind, k kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), maxFileSize+1)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// isBinary treats a NUL in the first 8 KiB as the mark of a binary file.
func isBinary(b []byte) bool {
	return strings.IndexByte(string(b[:min(len(b), 8<<10)]), 0) >= 0
}

func relPath(dir, p string) string {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// entryFile is a file a start command runs: index, main, server, app or
// start at the project's root.
func entryFile(rel string) bool {
	if strings.Contains(rel, "/") {
		return false
	}
	name := rel[:len(rel)-len(path.Ext(rel))]
	return slices.Contains([]string{"index", "main", "server", "app", "start"}, name)
}

// setText keeps the finding's line, for its fingerprint.
func setText(f *Finding, lines []string) {
	if f.Line > 0 && f.Line <= len(lines) {
		f.text = strings.TrimSpace(lines[f.Line-1])
	}
}

// ignoreMark starts an inline ignore comment.
const ignoreMark = "twelve-factor:ignore "

// applyIgnore honours "twelve-factor:ignore RULE-ID reason" on the line
// of a finding or the line above it, keeping the reason.
func applyIgnore(f *Finding, lines []string) {
	for _, n := range []int{f.Line, f.Line - 1} {
		if n < 1 || n > len(lines) {
			continue
		}
		_, rest, ok := strings.Cut(lines[n-1], ignoreMark)
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) > 0 && fields[0] == f.Rule {
			f.Ignored = true
			f.Reason = strings.TrimSpace(strings.TrimSuffix(strings.Join(fields[1:], " "), "*/"))
			return
		}
	}
}

// gitignore holds the simple patterns of the root .gitignore: names and
// globs matched against each path element, "dir/" for folders only, and
// "/x" anchored at the root. Negations are not supported and are skipped.
type gitignore []string

func readGitignore(dir string) gitignore {
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		return nil
	}
	var g gitignore
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "!") {
			g = append(g, line)
		}
	}
	return g
}

func (g gitignore) match(rel string, isDir bool) bool {
	for _, pat := range g {
		dirOnly := strings.HasSuffix(pat, "/")
		pat = strings.TrimSuffix(pat, "/")
		if dirOnly && !isDir {
			continue
		}
		if anchored, ok := strings.CutPrefix(pat, "/"); ok || strings.Contains(pat, "/") {
			if m, _ := path.Match(strings.TrimPrefix(anchored, "/"), rel); m {
				return true
			}
			continue
		}
		if m, _ := path.Match(pat, path.Base(rel)); m {
			return true
		}
	}
	return false
}

// secretRules, most specific first: one secret on a line is reported once,
// by the rule that says most about it.
var secretRules = []string{"TFK-SECRET-IN-CONFIGMAP", "TF3-PRIVATE-KEY", "TF3-CLOUD-KEY", "TF3-URL-CREDENTIALS", "TF3-SECRET-LITERAL", "TF3-HIGH-ENTROPY"}

// dedupeLines keeps one finding of a rule on a line: the line rules
// and the syntax-tree rules may both see the same thing.
func dedupeLines(fs []Finding) []Finding {
	type key struct {
		rule string
		line int
	}
	seen := map[key]bool{}
	return slices.DeleteFunc(fs, func(f Finding) bool {
		k := key{f.Rule, f.Line}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

func dedupeSecrets(fs []Finding) []Finding {
	best := map[int]int{} // line → rank of the most specific secret rule on it
	for _, f := range fs {
		if r := slices.Index(secretRules, f.Rule); r >= 0 {
			if b, ok := best[f.Line]; !ok || r < b {
				best[f.Line] = r
			}
		}
	}
	out := fs[:0]
	for _, f := range fs {
		if r := slices.Index(secretRules, f.Rule); r < 0 || r == best[f.Line] {
			out = append(out, f)
		}
	}
	return out
}
