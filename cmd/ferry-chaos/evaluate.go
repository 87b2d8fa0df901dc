package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// recoverWithin is how soon after a backing service returns every request
// must succeed again.
const recoverWithin = 5 * time.Second

// window says which failures a scenario tolerates, and when.
type window struct {
	inject  time.Time // when the fault began; zero when the scenario injects none at an instant
	settled time.Time // when the fault was complete (the killed process reaped); zero means inject
	restore time.Time // when the service was back; zero when nothing was restored
	// allow503 accepts a 503 with Retry-After from inject until
	// recoverWithin after restore.
	allow503 bool
	// interruptible counts requests in flight at inject that end without
	// an answer (or with the proxy's 502) as interrupted, not failed: a
	// killed process cannot finish what it was sending.
	interruptible bool
}

// loadStats sums up the outcomes of a scenario.
type loadStats struct {
	requests         int
	byKind           [len(kindNames)]int
	unexpected       [len(kindNames)]int // failures the window does not allow
	unexpectedByOp   [len(kindNames)][len(opNames)]int
	byKindOp         [len(kindNames)][len(opNames)]int // every outcome, by kind and op
	otherStatuses    map[int]int                       // the statuses of the unexpected kindOther answers
	connErrors       []string                          // a few distinct texts of unexpected connection errors
	firstUnavailable time.Duration                     // from inject to the first 503; -1 when none
	recovery         time.Duration                     // from restore to the end of the last failure; -1 when not measured
}

// evaluate classifies every outcome against the window.
func evaluate(outs []outcome, w window) loadStats {
	st := loadStats{requests: len(outs), firstUnavailable: -1, recovery: -1, otherStatuses: map[int]int{}}
	if !w.restore.IsZero() {
		st.recovery = 0
	}
	for _, o := range outs {
		k := o.kind
		if k != kindOK && w.interruptible && !w.inject.IsZero() && o.inFlightDuring(w.inject, w.settledAt()) && (k == kindConn || k == kindOther) {
			k = kindInterrupted
		}
		st.byKind[k]++
		st.byKindOp[k][o.op]++
		if k == kindOK {
			continue
		}
		st.noteTimes(o, k, w)
		if k != kindInterrupted && !w.allows(o, k) {
			st.unexpected[k]++
			st.unexpectedByOp[k][o.op]++
			st.noteDetail(o, k)
		}
	}
	return st
}

// noteTimes updates the time to the first 503 and to recovery.
func (st *loadStats) noteTimes(o outcome, k kind, w window) {
	if (k == kind503 || k == kind503NoRetry) && !w.inject.IsZero() && !o.end.Before(w.inject) {
		if d := o.end.Sub(w.inject); st.firstUnavailable < 0 || d < st.firstUnavailable {
			st.firstUnavailable = d
		}
	}
	if !w.restore.IsZero() && !o.start.Before(w.restore) {
		st.recovery = max(st.recovery, o.end.Sub(w.restore))
	}
}

// noteDetail keeps what tells failures of one kind apart: the status of
// an other answer, the text of a connection error.
func (st *loadStats) noteDetail(o outcome, k kind) {
	switch {
	case k == kindOther:
		st.otherStatuses[o.status]++
	case k == kindConn && o.errText != "" && len(st.connErrors) < 3 && !slices.Contains(st.connErrors, o.errText):
		st.connErrors = append(st.connErrors, o.errText)
	}
}

// settledAt is when the fault was complete.
func (w window) settledAt() time.Time {
	if w.settled.IsZero() {
		return w.inject
	}
	return w.settled
}

// allows reports whether a failure of kind k is within what the window
// tolerates.
func (w window) allows(o outcome, k kind) bool {
	if k != kind503 || !w.allow503 || w.inject.IsZero() {
		return false
	}
	until := w.restore.Add(recoverWithin)
	return !o.end.Before(w.inject) && !o.end.After(until)
}

// problems names, in words, what the load statistics say went wrong.
func (st loadStats) problems() []string {
	var out []string
	for k, n := range st.unexpected {
		if n > 0 {
			out = append(out, fmt.Sprintf("%d requests failed with %s (%s%s)", n, kind(k), byOp(st.unexpectedByOp[k]), st.statuses(kind(k))))
		}
	}
	if st.recovery > recoverWithin {
		out = append(out, fmt.Sprintf("recovered %s after the service returned, more than %s", seconds(st.recovery), seconds(recoverWithin)))
	}
	return out
}

// seconds formats a duration as seconds with one decimal.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// notes says which requests the tolerated 503s were.
func (st loadStats) notes() []string {
	if st.byKind[kind503] == 0 {
		return nil
	}
	return []string{"503s with Retry-After by request: " + byOp(st.byKindOp[kind503])}
}

// byOp lists the non-zero counts per op, such as "upload 12, download 8".
func byOp(counts [len(opNames)]int) string {
	var parts []string
	for o, n := range counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op(o), n))
		}
	}
	return strings.Join(parts, ", ")
}

// statuses lists the statuses of unexpected other answers, such as
// "; status 502 ×86", or what the connection errors said.
func (st loadStats) statuses(k kind) string {
	if k == kindConn && len(st.connErrors) > 0 {
		return "; such as: " + strings.Join(st.connErrors, "; ")
	}
	if k != kindOther {
		return ""
	}
	codes := slices.Sorted(maps.Keys(st.otherStatuses))
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d ×%d", c, st.otherStatuses[c]))
	}
	return "; status " + strings.Join(parts, ", ")
}
