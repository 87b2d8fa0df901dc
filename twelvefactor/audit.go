// Package twelvefactor finds twelve-factor violations in a source tree:
// secrets and hosts in code, state kept in process memory or on local
// disk, log files, installs at start, SQLite beside a server database,
// shelling out, servers that ignore SIGTERM or have no health endpoint,
// and container and Kubernetes settings that break the same rules. The
// twelvefactor command in cmd/twelvefactor is its command line.
package twelvefactor

import (
	"cmp"
	"slices"
)

// Severity orders findings; --fail-on picks the lowest that fails a run.
type Severity int

// Severities, lowest first.
const (
	Note Severity = iota
	Warning
	Error
)

var severityNames = []string{"note", "warning", "error"}

func (s Severity) String() string { return severityNames[s] }

// ParseSeverity reads "note", "warning" or "error".
func ParseSeverity(s string) (Severity, bool) {
	i := slices.Index(severityNames, s)
	return Severity(max(i, 0)), i >= 0
}

// Rule is one kind of violation.
type Rule struct {
	ID       string
	Factor   int // 1 to 13, the factor it breaks
	Severity Severity
	Message  string
	Fix      string
}

// Finding is one violation at one place.
type Finding struct {
	Rule     string   `json:"rule"`
	Factor   int      `json:"factor"`
	Severity Severity `json:"-"`
	Level    string   `json:"severity"`
	File     string   `json:"file"` // relative to the scanned folder, with forward slashes
	Line     int      `json:"line"` // 1-based; 0 for a finding about a whole file or project
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	// Ignored is set when an inline twelve-factor:ignore comment names
	// the rule; Reason is the rest of that comment.
	Ignored bool   `json:"ignored,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Baselined is set for a finding a baseline file already holds
	// (ApplyBaseline); it then never fails the run.
	Baselined bool `json:"baselined,omitempty"`
	// text is the finding's line, trimmed, for its fingerprint.
	text string
}

func newFinding(r Rule, file string, line int, sev Severity) Finding {
	return Finding{Rule: r.ID, Factor: r.Factor, Severity: sev, Level: sev.String(), File: file, Line: line, Message: r.Message, Fix: r.Fix}
}

// Report is the result of one audit.
type Report struct {
	Findings []Finding `json:"findings"`
	Files    int       `json:"files_scanned"`
	Skipped  int       `json:"files_skipped"` // binary, too large or unreadable
	// baseline is set once ApplyBaseline ran, so SARIF tells new results
	// from unchanged ones.
	baseline bool
}

// Failing counts the findings neither ignored nor baselined at or above min.
func (r *Report) Failing(min Severity) int {
	n := 0
	for _, f := range r.Findings {
		if !f.Ignored && !f.Baselined && f.Severity >= min {
			n++
		}
	}
	return n
}

func (r *Report) sort() {
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule))
	})
}

// Rules lists every rule once, by ID, in the order README.md follows.
func Rules() []Rule {
	all := make([]Rule, 0, len(lineRules)+16)
	for _, r := range lineRules {
		all = append(all, r.Rule)
	}
	all = append(all, ruleExpressSession, ruleRateLimit, ruleInstall, ruleMigrate, ruleNoSigterm, ruleNoHealth, ruleSQLiteDep,
		ruleRoot, ruleLatest, ruleNoProbes, ruleNoLimits, ruleConfigMapSecret, ruleMemoryCache, ruleConfigFile)
	seen := map[string]bool{}
	out := all[:0]
	for _, r := range all {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Rule) int { return cmp.Or(cmp.Compare(a.Factor, b.Factor), cmp.Compare(a.ID, b.ID)) })
	return out
}
