package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// scenario is one way of breaking the stack.
type scenario struct {
	name  string
	about string
	short bool // part of the -short form
	run   func(s *suite, ctx context.Context) (scenarioRun, error)
}

// scenarioRun is what a scenario saw while it ran, before verification.
type scenarioRun struct {
	outcomes []outcome
	window   window
	dupJobs  int      // duplicate jobs found; -1 when not checked
	problems []string // the scenario's own findings, such as unfinished jobs
	notes    []string // facts worth printing that are no failure
}

// result is a scenario's line in the report.
type result struct {
	name     string
	stats    loadStats
	verified verification
	dupJobs  int
	problems []string
	notes    []string
}

// passed reports whether the scenario found nothing wrong.
func (r result) passed() bool { return len(r.problems) == 0 }

// verdict is a one-line summary for the progress log.
func (r result) verdict() string {
	if r.passed() {
		return "passed"
	}
	return "FAILED: " + strings.Join(r.problems, "; ")
}

// allPassed reports whether every scenario passed.
func allPassed(results []result) bool {
	for _, r := range results {
		if !r.passed() {
			return false
		}
	}
	return true
}

// scenarios is the list the options choose: the short form's, the full
// one, or the ones named with -run.
func (s *suite) scenarios() []scenario {
	var out []scenario
	for _, sc := range allScenarios(s.opts.short) {
		switch {
		case len(s.opts.only) > 0 && !slices.Contains(s.opts.only, sc.name):
		case len(s.opts.only) == 0 && s.opts.short && !sc.short:
		default:
			out = append(out, sc)
		}
	}
	return out
}

// scenarioNames lists every scenario's name, for -run.
func scenarioNames() []string {
	var names []string
	for _, sc := range allScenarios(false) {
		names = append(names, sc.name)
	}
	return names
}

// runScenario runs one scenario, then evaluates its requests and verifies
// the data.
func (s *suite) runScenario(ctx context.Context, sc scenario) (result, error) {
	firstNew := len(s.uploads.all())
	run, err := sc.run(s, ctx)
	if err != nil {
		return result{}, err
	}
	res := result{name: sc.name, dupJobs: run.dupJobs, notes: run.notes}
	res.stats = evaluate(run.outcomes, run.window)
	s.logf("scenario %s: verifying the data", sc.name)
	if res.verified, err = s.verify(ctx, firstNew); err != nil {
		return res, err
	}
	res.problems = append(append(res.stats.problems(), run.problems...), res.verified.problems()...)
	res.notes = append(append(res.notes, res.stats.notes()...), brokenUploads(run.outcomes, res.verified.brokenIDs)...)
	res.notes = append(res.notes, missingNotes(run.outcomes, res.verified.missingRows)...)
	if n := res.verified.tusObjects; n > 0 {
		res.notes = append(res.notes, fmt.Sprintf("%d objects without a row belong to unfinished tus uploads, kept until they expire", n))
	}
	if keys := res.verified.orphanKeys; len(keys) > 0 {
		res.notes = append(res.notes, "objects without a row: "+strings.Join(keys, ", "))
	}
	if run.dupJobs > 0 {
		res.problems = append(res.problems, fmt.Sprintf("%d duplicate jobs", run.dupJobs))
	}
	return res, nil
}

// brokenUploads says, for each upload found broken, how long its request
// took: one that took longer than ORPHAN_GRACE may have had its object
// swept before its row was committed.
func brokenUploads(outs []outcome, ids []string) []string {
	broken := setOf(ids)
	var notes []string
	for _, o := range outs {
		if o.fileID != "" && broken[o.fileID] && len(notes) < 10 {
			notes = append(notes, fmt.Sprintf("broken upload %s took %s from first byte to answer", o.fileID, seconds(o.end.Sub(o.start))))
		}
	}
	return notes
}

// missingNotes says, for each row found without its object, how the
// upload that made it ended as the client saw it.
func missingNotes(outs []outcome, rows []missingRow) []string {
	var notes []string
	for _, m := range rows {
		seen := "no upload of this scenario sent it"
		for _, o := range outs {
			if o.name == m.name {
				seen = fmt.Sprintf("its upload ended %s (status %d) after %s", o.kind, o.status, seconds(o.end.Sub(o.start)))
			}
		}
		notes = append(notes, fmt.Sprintf("row %s (%s, %s) has no object; %s", m.id, m.name, m.key, seen))
	}
	return notes
}
