package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ferryhq/ferry/twelvefactor"
)

// check is one thing the labels judge: one of the five classic
// violations, which several rules may report, or any single rule.
type check struct {
	id      string
	factor  int
	rules   []string
	classic bool
}

// classics are the seed's five classic violations; every label file
// must say, for each, whether the project has it.
var classics = []check{
	{"hard-coded-secrets", 3, []string{"TF3-SECRET-LITERAL", "TF3-CLOUD-KEY", "TF3-PRIVATE-KEY", "TF3-URL-CREDENTIALS", "TF3-HIGH-ENTROPY", "TFK-SECRET-IN-CONFIGMAP"}, true},
	{"in-memory-sessions-or-limits", 6, []string{"TF6-MEMORY-SESSIONS", "TF6-LOCAL-STATE"}, true},
	{"log-files", 11, []string{"TF11-LOG-FILE"}, true},
	{"installs-in-start-scripts", 5, []string{"TF5-INSTALL-AT-START"}, true},
	{"sqlite-in-development", 10, []string{"TF10-SQLITE-DEV"}, true},
}

// checkOf is the check a label names: a classic, or a rule by its id.
func checkOf(id string) (check, bool) {
	for _, c := range classics {
		if c.id == id {
			return c, true
		}
	}
	for _, r := range twelvefactor.Rules() {
		if r.ID == id {
			return check{id: id, factor: r.Factor, rules: []string{id}}, true
		}
	}
	return check{}, false
}

// labels are what a person found by reading one project's code.
type labels struct {
	Project string  `json:"project"`
	Present []label `json:"present"`
	Absent  []label `json:"absent"`
}

// label is one check judged present (with the files that show it, any
// of which a finding must be in) or absent, and why.
type label struct {
	Check string   `json:"check"`
	Files []string `json:"files,omitempty"` // path prefixes
	Why   string   `json:"why"`
}

// complete refuses labels that leave a classic unjudged, judge a check
// twice or name an unknown one.
func (l labels) complete() error {
	seen := map[string]bool{}
	for _, x := range append(append([]label{}, l.Present...), l.Absent...) {
		if _, ok := checkOf(x.Check); !ok {
			return fmt.Errorf("unknown check %q", x.Check)
		}
		if seen[x.Check] {
			return fmt.Errorf("%q judged twice", x.Check)
		}
		if x.Why == "" {
			return fmt.Errorf("%q says not why", x.Check)
		}
		seen[x.Check] = true
	}
	for _, c := range classics {
		if !seen[c.id] {
			return fmt.Errorf("classic %q is not judged", c.id)
		}
	}
	return nil
}

// outcome is one judged check of one project.
type outcome struct {
	check check
	want  bool     // labelled present
	got   bool     // reported where the label points (anywhere, for an absent one)
	where []string // the counted findings, file:line
}

type projectResult struct {
	project  project
	outcomes []outcome
	files    int
}

// counted says whether a finding is a claim the audit makes at full
// strength: not ignored, and not lowered below its rule's severity (a
// test file, CI settings, a bundle).
func counted(f twelvefactor.Finding, sev map[string]twelvefactor.Severity) bool {
	return !f.Ignored && f.Severity >= sev[f.Rule]
}

// judge compares one report with its project's labels.
func judge(p project, l labels, rep *twelvefactor.Report) projectResult {
	sev := map[string]twelvefactor.Severity{}
	for _, r := range twelvefactor.Rules() {
		if s, ok := sev[r.ID]; !ok || r.Severity < s {
			sev[r.ID] = r.Severity
		}
	}
	res := projectResult{project: p, files: rep.Files}
	for _, group := range []struct {
		labels []label
		want   bool
	}{{l.Present, true}, {l.Absent, false}} {
		for _, x := range group.labels {
			c, _ := checkOf(x.Check)
			o := outcome{check: c, want: group.want}
			for _, f := range rep.Findings {
				if !slices.Contains(c.rules, f.Rule) || !counted(f, sev) {
					continue
				}
				if group.want && len(x.Files) > 0 && !slices.ContainsFunc(x.Files, func(prefix string) bool { return strings.HasPrefix(f.File, prefix) }) {
					continue
				}
				o.got = true
				o.where = append(o.where, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule))
			}
			res.outcomes = append(res.outcomes, o)
		}
	}
	return res
}

// tally counts outcomes.
type tally struct{ tp, fp, fn, tn int }

func (t *tally) add(o outcome) {
	switch {
	case o.want && o.got:
		t.tp++
	case o.want:
		t.fn++
	case o.got:
		t.fp++
	default:
		t.tn++
	}
}

func ratio(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

func (t tally) row(name string) string {
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %s | %s |", name, t.tp, t.fp, t.fn, t.tn, ratio(t.tp, t.tp+t.fp), ratio(t.tp, t.tp+t.fn))
}

// printResults prints each project's outcomes, then the tables: per
// classic violation, the five together, and per factor.
func printResults(w io.Writer, results []projectResult, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tVERSION\tFILES\tCHECK\tLABEL\tAUDIT\tRESULT")
	perCheck := map[string]*tally{}
	perFactor := map[int]*tally{}
	for _, r := range results {
		for _, o := range r.outcomes {
			verdict := map[[2]bool]string{{true, true}: "TP", {true, false}: "FN (missed)", {false, true}: "FP (false alarm)", {false, false}: "TN"}[[2]bool{o.want, o.got}]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.project.Name, r.project.Version, r.files, o.check.id, present(o.want), present(o.got), verdict)
			if verbose || o.got != o.want {
				for _, at := range o.where[:min(len(o.where), 5)] {
					fmt.Fprintf(tw, "\t\t\t\t\t\t  %s\n", at)
				}
			}
			if perCheck[o.check.id] == nil {
				perCheck[o.check.id] = &tally{}
			}
			perCheck[o.check.id].add(o)
			if perFactor[o.check.factor] == nil {
				perFactor[o.check.factor] = &tally{}
			}
			perFactor[o.check.factor].add(o)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rounds := map[int][]projectResult{}
	for _, r := range results {
		rounds[r.project.Round] = append(rounds[r.project.Round], r)
	}
	fmt.Fprintf(w, "\nAll %d projects. The five classic violations:\n\n", len(results))
	classicTable(w, results)
	for round := 0; round <= 4; round++ {
		rs := rounds[round]
		if len(rs) == 0 {
			continue
		}
		what := "development projects, also used to find the audit's misses"
		if round > 0 {
			what = fmt.Sprintf("held-out projects of round %d, labelled before the audit ran on them", round)
		}
		fmt.Fprintf(w, "\nThe %d %s:\n\n", len(rs), what)
		classicTable(w, rs)
	}
	var others []string
	for id := range perCheck {
		if c, _ := checkOf(id); !c.classic {
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		fmt.Fprintln(w, "\nOther labelled rules:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| check | TP | FP | FN | TN | precision | recall |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, id := range others {
			fmt.Fprintln(w, perCheck[id].row(id))
		}
	}
	fmt.Fprintln(w, "\nPer factor (every labelled check):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| factor | TP | FP | FN | TN | precision | recall |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	var factors []int
	for f := range perFactor {
		factors = append(factors, f)
	}
	sort.Ints(factors)
	for _, f := range factors {
		fmt.Fprintln(w, perFactor[f].row(fmt.Sprint(f)))
	}
	return nil
}

func present(b bool) string {
	if b {
		return "present"
	}
	return "absent"
}

// classicTable prints the five classic violations' figures for results.
func classicTable(w io.Writer, results []projectResult) {
	per := map[string]*tally{}
	var all tally
	for _, r := range results {
		for _, o := range r.outcomes {
			if !o.check.classic {
				continue
			}
			if per[o.check.id] == nil {
				per[o.check.id] = &tally{}
			}
			per[o.check.id].add(o)
			all.add(o)
		}
	}
	fmt.Fprintln(w, "| check | TP | FP | FN | TN | precision | recall |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, c := range classics {
		if t := per[c.id]; t != nil {
			fmt.Fprintln(w, t.row(c.id))
		}
	}
	fmt.Fprintln(w, all.row("**the five together**"))
}
