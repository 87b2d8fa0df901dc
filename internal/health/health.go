// Package health answers the two questions an orchestrator asks: is the
// process alive (/health) and may it take traffic now (/ready).
package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// CheckTimeout bounds each readiness check. A backing service slower than
// this to answer a ping cannot serve requests either, and a short bound
// keeps /ready fast when one hangs: a probe waits at most one run of the
// checks, so it answers within CheckTimeout plus a little.
const CheckTimeout = 400 * time.Millisecond

// answerGrace is how long past its deadline a check may take to return.
const answerGrace = 50 * time.Millisecond

// errNoAnswer is the failure of a check still running at the deadline.
var errNoAnswer = errors.New("no answer within the check timeout")

// Check is one named readiness probe; Reason is what /ready says when it
// fails, such as "database unavailable", and Name labels its metric.
type Check struct {
	Name   string
	Reason string
	Fn     func(context.Context) error
}

// Readiness runs its checks at most once per TTL, so frequent probes from
// several load balancers cost the backing services next to nothing, and
// all at once, each bounded by the timeout, so one that hangs neither
// delays the others nor the answer.
type Readiness struct {
	checks   []Check
	ttl      time.Duration
	timeout  time.Duration
	shutting atomic.Bool

	mu      sync.Mutex
	checked time.Time
	reason  string
	failed  []bool // by check, from the last run
}

// NewReadiness returns a Readiness that runs checks in order of importance:
// the first failing one is the reason reported.
func NewReadiness(checks ...Check) *Readiness {
	return &Readiness{checks: checks, ttl: time.Second, timeout: CheckTimeout}
}

// ShuttingDown turns /ready to 503 for good, so load balancers stop sending
// new requests while the in-flight ones finish.
func (r *Readiness) ShuttingDown() { r.shutting.Store(true) }

// Reason returns "" when ready, else why not.
func (r *Readiness) Reason(ctx context.Context) string {
	if r.shutting.Load() {
		return "shutting down"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) >= r.ttl {
		r.reason = r.run(ctx)
		r.checked = time.Now()
	}
	return r.reason
}

// run probes every check at once and reports the first failure in order.
// It stops waiting at the deadline even for a check that ignores its
// context, and it does not take the caller's cancellation: a prober that
// hangs up must not leave a failure in the cache for the next one.
func (r *Readiness) run(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	// A check that honours its deadline gets a moment past it to say what
	// it saw then (a saturated pool, say), rather than being cut off.
	late, cancelLate := context.WithTimeout(context.Background(), r.timeout+answerGrace)
	defer cancelLate()
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(r.checks)) // buffered: a late check never blocks
	for i, c := range r.checks {
		go func() { results <- result{i, c.Fn(ctx)} }()
	}
	errs := make([]error, len(r.checks))
	for i := range errs {
		errs[i] = errNoAnswer
	}
wait:
	for range r.checks {
		select {
		case res := <-results:
			errs[res.i] = res.err
		case <-late.Done():
			break wait
		}
	}
	r.failed = make([]bool, len(errs))
	reason := ""
	for i, err := range errs {
		r.failed[i] = err != nil
		if err != nil && reason == "" {
			reason = r.checks[i].Reason
		}
	}
	return reason
}

// Status reports readiness and, by check name, whether each check passed,
// running them if the last run is older than the TTL.
func (r *Readiness) Status(ctx context.Context) (ready bool, ok map[string]bool) {
	ready = r.Reason(ctx) == ""
	r.mu.Lock()
	defer r.mu.Unlock()
	ok = make(map[string]bool, len(r.checks))
	for i, c := range r.checks {
		ok[c.Name] = i >= len(r.failed) || !r.failed[i]
	}
	return ready, ok
}

// ServeReady answers 200 {"status":"ready"} or 503 with the reason.
func (r *Readiness) ServeReady(w http.ResponseWriter, req *http.Request) {
	if reason := r.Reason(req.Context()); reason != "" {
		write(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": reason})
		return
	}
	write(w, http.StatusOK, map[string]string{"status": "ready"})
}

// ServeLive answers 200 while the process serves at all; it touches no
// dependency, so a database outage never makes an orchestrator kill us.
func ServeLive(w http.ResponseWriter, _ *http.Request) {
	write(w, http.StatusOK, map[string]string{"status": "ok"})
}

func write(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
