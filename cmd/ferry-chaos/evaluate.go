package main

import (
	"fmt"
	"time"
)

// recoverWithin is how soon after a backing service returns every request
// must succeed again.
const recoverWithin = 5 * time.Second

// window says which failures a scenario tolerates, and when.
type window struct {
	inject  time.Time // when the fault began; zero when the scenario injects none at an instant
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
	firstUnavailable time.Duration       // from inject to the first failed answer; -1 when none
	recovery         time.Duration       // from restore to the end of the last failure; -1 when not measured
}

// evaluate classifies every outcome against the window.
func evaluate(outs []outcome, w window) loadStats {
	st := loadStats{requests: len(outs), firstUnavailable: -1, recovery: -1}
	if !w.restore.IsZero() {
		st.recovery = 0
	}
	for _, o := range outs {
		k := o.kind
		if k != kindOK && w.interruptible && !w.inject.IsZero() && o.inFlightAt(w.inject) && (k == kindConn || k == kindOther) {
			k = kindInterrupted
		}
		st.byKind[k]++
		if k == kindOK {
			continue
		}
		st.noteTimes(o, w)
		if k != kindInterrupted && !w.allows(o, k) {
			st.unexpected[k]++
		}
	}
	return st
}

// noteTimes updates the time to the first failure and to recovery.
func (st *loadStats) noteTimes(o outcome, w window) {
	if !w.inject.IsZero() && !o.end.Before(w.inject) {
		if d := o.end.Sub(w.inject); st.firstUnavailable < 0 || d < st.firstUnavailable {
			st.firstUnavailable = d
		}
	}
	if !w.restore.IsZero() && !o.start.Before(w.restore) {
		st.recovery = max(st.recovery, o.end.Sub(w.restore))
	}
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
			out = append(out, fmt.Sprintf("%d requests failed with %s", n, kind(k)))
		}
	}
	if st.recovery > recoverWithin {
		out = append(out, fmt.Sprintf("recovered %s after the service returned, more than %s", seconds(st.recovery), seconds(recoverWithin)))
	}
	return out
}

// seconds formats a duration as seconds with one decimal.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
