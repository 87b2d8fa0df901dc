package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// The endpoints watcher does for nginx what Kubernetes' endpoints and
// ingress-nginx do for a Deployment: it polls each web's /ready and takes
// a web out of the upstream as soon as it answers 503 "shutting down"
// (DRAIN_DELAY keeps it serving meanwhile) or cannot be reached, and puts
// it back once /ready answers 200. nginx OSS on its own learns that a web
// is gone only from refused connections, and a PUT sent into the backlog
// of a listener that is closing gets a 502 it cannot retry. A web whose
// /ready answers 503 for a backing outage stays in: both would be out
// otherwise, and nginx would answer 502 itself instead of Ferry's 503.
const (
	// endpointsEvery is how often /ready is polled, well inside DRAIN_DELAY.
	endpointsEvery = 150 * time.Millisecond
	// endpointsTimeout bounds one poll; /ready answers within 500 ms even
	// while a backing service hangs.
	endpointsTimeout = time.Second
	// unreachableAfter is how many polls in a row must fail to connect or
	// time out before a web is taken out, like a probe's failureThreshold,
	// so one slow answer under load does not flap the upstream.
	unreachableAfter = 2
)

// readiness is what one poll of /ready said.
type readiness int

const (
	readyUp          readiness = iota // 200
	readyStopping                     // 503 "shutting down"
	readyUnreachable                  // no answer: refused, reset or timed out
	readyOther                        // any other answer, such as 503 for a backing outage
)

// endpoints is the watcher at work.
type endpoints struct {
	s      *suite
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	down    map[int]bool  // by web port, as nginx was last told
	changed chan struct{} // closed and replaced on every applied change
	fails   map[int]int   // polls in a row without an answer, by port
	reloads int
}

// startEndpoints starts the watcher, every web in; s.close stops it before
// it stops the webs and nginx.
func (s *suite) startEndpoints(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	e := &endpoints{s: s, cancel: cancel, done: make(chan struct{}), down: map[int]bool{}, changed: make(chan struct{}), fails: map[int]int{}}
	s.stack.ends = e
	go e.loop(ctx)
	s.onClose("stop the endpoints watcher", func(context.Context) error { e.stop(); return nil })
	return nil
}

// stop ends the watcher and waits for it.
func (e *endpoints) stop() {
	e.cancel()
	<-e.done
}

// loop polls every web, applies what changed, and again.
func (e *endpoints) loop(ctx context.Context) {
	defer close(e.done)
	for sleepCtx(ctx, endpointsEvery) {
		states := e.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		next, changed := e.decide(states)
		if !changed {
			continue
		}
		if err := e.s.stack.nginx.setDown(ctx, next); err != nil {
			if ctx.Err() == nil {
				e.s.logf("endpoints: nginx reload: %v", err)
			}
			continue
		}
		e.apply(next)
	}
}

// poll asks every web's /ready at once.
func (e *endpoints) poll(ctx context.Context) map[int]readiness {
	var mu sync.Mutex
	var wg sync.WaitGroup
	states := map[int]readiness{}
	for _, w := range e.s.stack.webs {
		wg.Go(func() {
			r := pollReady(ctx, w.readyURL())
			mu.Lock()
			states[w.port] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	return states
}

// decide turns one round of polls into the set of webs that should be
// down, and says whether it differs from what nginx has.
func (e *endpoints) decide(states map[int]readiness) (map[int]bool, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := map[int]bool{}
	changed := false
	for _, w := range e.s.stack.webs {
		p := w.port
		if states[p] == readyUnreachable {
			e.fails[p]++
		} else {
			e.fails[p] = 0
		}
		down := e.down[p]
		switch {
		case states[p] == readyUp:
			down = false
		case states[p] == readyStopping, e.fails[p] >= unreachableAfter:
			down = true
		}
		if down != e.down[p] {
			e.logChange(w.name, down, states[p])
			changed = true
		}
		next[p] = down
	}
	return next, changed
}

// logChange reports a web going out of nginx or back in.
func (e *endpoints) logChange(name string, down bool, r readiness) {
	if down {
		e.s.logf("endpoints: %s out of nginx (%s)", name, r)
		return
	}
	e.s.logf("endpoints: %s back in nginx", name)
}

// apply records what nginx now has and wakes whoever waits for a change.
func (e *endpoints) apply(down map[int]bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.down = down
	e.reloads++
	close(e.changed)
	e.changed = make(chan struct{})
}

// waitIn waits until nginx sends requests to the web on port again, so a
// rolling restart takes the next web out only once this one is back in,
// as a Deployment waits for a new pod's endpoint to be ready.
func (e *endpoints) waitIn(ctx context.Context, port int, limit time.Duration) error {
	deadline := time.After(limit)
	for {
		e.mu.Lock()
		in, changed := !e.down[port], e.changed
		e.mu.Unlock()
		if in {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("the web on port %d not back in nginx within %v", port, limit)
		}
	}
}

// reloadCount is how many times nginx was reloaded.
func (e *endpoints) reloadCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reloads
}

func (r readiness) String() string {
	return [...]string{"ready", "shutting down", "unreachable", "not ready"}[r]
}

// pollReady asks url once and classifies the answer.
func pollReady(ctx context.Context, url string) readiness {
	ctx, cancel := context.WithTimeout(ctx, endpointsTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return readyUnreachable
	}
	resp, err := freshConns.Do(req)
	if err != nil {
		return readyUnreachable
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil && !errors.Is(err, io.EOF) {
		return readyUnreachable
	}
	return classifyReady(resp.StatusCode, body)
}

// classifyReady reads a /ready answer: 200, 503 with the reason
// "shutting down", or anything else.
func classifyReady(status int, body []byte) readiness {
	if status == http.StatusOK {
		return readyUp
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if status == http.StatusServiceUnavailable && json.Unmarshal(body, &b) == nil && b.Reason == "shutting down" {
		return readyStopping
	}
	return readyOther
}
