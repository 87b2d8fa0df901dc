package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"time"
)

// settle is how long load runs before a fault and after the stack is
// whole again, so each scenario sees the stack healthy at both ends.
const settle = 3 * time.Second

// readyHold is how long a new web serves before the next is replaced,
// like a Deployment's minReadySeconds.
const readyHold = time.Second

// rollingRestart replaces each web in turn, rounds times, under load:
// SIGTERM, wait for the exit, start a new one on the same port, wait for
// /ready, then the other. nginx sends new requests to the web still
// serving; no request may fail.
func (s *suite) rollingRestart(ctx context.Context, rounds int) (scenarioRun, error) {
	load := s.startLoad(ctx, defaultLoad)
	sleepCtx(ctx, settle)
	for round := 1; round <= rounds; round++ {
		for _, w := range s.stack.webs {
			s.logf("round %d: restarting %s", round, w.name)
			if err := s.replaceWeb(ctx, w); err != nil {
				load.stop()
				return scenarioRun{}, err
			}
			sleepCtx(ctx, readyHold)
		}
	}
	sleepCtx(ctx, settle)
	return scenarioRun{outcomes: load.stop(), dupJobs: -1}, nil
}

// replaceWeb stops a web with SIGTERM, waits for it to exit and starts a
// new one in its place, then waits until the endpoints watcher has put it
// back in nginx.
func (s *suite) replaceWeb(ctx context.Context, w *ferryProc) error {
	w.proc.signal(syscall.SIGTERM)
	if err := w.proc.wait(30 * time.Second); err != nil {
		return err
	}
	if err := s.startFerry(ctx, w); err != nil {
		return err
	}
	return s.stack.ends.waitIn(ctx, w.port, 10*time.Second)
}

// killWeb kills web-a with SIGKILL while slow uploads of both kinds are
// in flight, some sent to it directly (so some surely die with it) and
// some through nginx, besides the usual load. Requests in flight on it
// are interrupted; all others must succeed, and the sweep must leave no
// orphan object or incomplete multipart upload behind.
func (s *suite) killWeb(ctx context.Context) (scenarioRun, error) {
	victim := s.stack.webs[0]
	load := s.startLoad(ctx, defaultLoad)
	sleepCtx(ctx, settle)
	slow := s.startSlowUploads(ctx, fmt.Sprintf("http://127.0.0.1:%d", victim.port))
	sleepCtx(ctx, killAfter)
	s.logf("kill -9 %s", victim.name)
	inject := time.Now()
	victim.proc.kill()
	settled := time.Now()
	open, err := s.countMultipart(ctx)
	if err != nil {
		load.stop()
		return scenarioRun{}, err
	}
	sleepCtx(ctx, settle)
	if err := s.startFerry(ctx, victim); err != nil {
		load.stop()
		return scenarioRun{}, err
	}
	outs := slow.wait()
	sleepCtx(ctx, settle)
	outs = append(outs, load.stop()...)
	note := fmt.Sprintf("%d multipart uploads open right after the kill", open)
	return scenarioRun{outcomes: outs, window: window{inject: inject, settled: settled, interruptible: true}, dupJobs: -1, notes: []string{note}}, nil
}

// slowUploads are uploads that take seconds, so a kill finds them in flight.
type slowUploads struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	outcomes []outcome
}

// slowSize and slowRate make an upload of 64 MiB take 8 s: eight 8 MiB
// parts when its length is unknown. killAfter is when the kill comes, 44
// MiB in: the S3 driver reads the first few parts before it starts a
// multipart upload, so by then such an upload has surely begun one.
const (
	slowSize  = 64 << 20
	slowRate  = 8 << 20
	killAfter = 5500 * time.Millisecond
)

// startSlowUploads starts, for the direct web and for nginx each, one
// upload of known and one of unknown length.
func (s *suite) startSlowUploads(ctx context.Context, direct string) *slowUploads {
	u := &slowUploads{}
	c := newClient(s.stack, s.uploads, 4)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for i, base := range []string{direct, direct, s.stack.baseURL, s.stack.baseURL} {
		body := &throttled{r: randomBody(rng, slowSize), rate: slowRate}
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			o := c.upload(ctx, base, fmt.Sprintf("slow-%d.bin", i), body, slowSize, i%2 == 1)
			u.mu.Lock()
			u.outcomes = append(u.outcomes, o)
			u.mu.Unlock()
		}()
	}
	return u
}

// wait waits for every slow upload and returns their outcomes.
func (u *slowUploads) wait() []outcome {
	u.wg.Wait()
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.outcomes
}
