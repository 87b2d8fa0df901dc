package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// loadConfig bounds one run of the load generator, in count and in time.
type loadConfig struct {
	workers     int           // requests in flight at once
	pause       time.Duration // each worker's rest between requests
	maxRequests int           // stop after this many
	maxDuration time.Duration // or after this long
	maxUpload   int64         // largest random upload, bytes
}

// defaultLoad is light enough for a 2-core machine shared with others,
// and busy enough that every outage is met by requests of every kind.
var defaultLoad = loadConfig{workers: 6, pause: 20 * time.Millisecond, maxRequests: 20000, maxDuration: 3 * time.Minute, maxUpload: 2 << 20}

// loadRun is a load generator at work; stop ends it and returns what it saw.
type loadRun struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	outcomes []outcome
}

// startLoad starts cfg.workers workers sending a mix of requests to nginx.
func (s *suite) startLoad(ctx context.Context, cfg loadConfig) *loadRun {
	ctx, cancel := context.WithTimeout(ctx, cfg.maxDuration)
	l := &loadRun{cancel: cancel}
	c := newClient(s.stack, s.uploads, cfg.workers)
	budget := make(chan struct{}, cfg.maxRequests)
	for range cfg.maxRequests {
		budget <- struct{}{}
	}
	close(budget)
	for i := range cfg.workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			w := &loadWorker{c: c, base: s.stack.baseURL, cfg: cfg, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))}
			for range budget {
				if ctx.Err() != nil {
					return
				}
				// A request the load's own end cut off (its maxDuration, or
				// stop) says nothing about the stack: left out, as in stop.
				if o := w.next(ctx); o.kind == kindOK || ctx.Err() == nil {
					l.record(o)
				}
				if !sleepCtx(ctx, cfg.pause) {
					return
				}
			}
		}()
	}
	return l
}

// record keeps one outcome.
func (l *loadRun) record(o outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcomes = append(l.outcomes, o)
}

// stop ends the run, waits for the requests in flight and returns every
// outcome. Requests cut by the stop itself are left out.
func (l *loadRun) stop() []outcome {
	stopped := time.Now()
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	var kept []outcome
	for _, o := range l.outcomes {
		if o.kind == kindOK || o.end.Before(stopped) {
			kept = append(kept, o)
		}
	}
	return kept
}

// loadWorker sends one request after another.
type loadWorker struct {
	c    *client
	base string
	cfg  loadConfig
	rng  *rand.Rand
	n    int
}

// next sends one request, chosen by weight: uploads of every kind (PUT
// with and without a length, a multipart form, tus), downloads of earlier
// uploads, and small requests, with the API token and (one in ten) with
// a session cookie, whose session lives in Redis.
func (w *loadWorker) next(ctx context.Context) outcome {
	w.n++
	f, have := w.c.uploads.pick(w.rng)
	switch r := w.rng.IntN(100); {
	case r < 12 || !have:
		return w.upload(ctx, opUploadKnown)
	case r < 20:
		return w.upload(ctx, opUploadChunked)
	case r < 25:
		return w.upload(ctx, opUploadForm)
	case r < 30:
		return w.upload(ctx, opUploadTus)
	case r < 55:
		return w.c.download(ctx, f)
	case r < 68:
		return w.c.small(ctx, opMe, w.base+"/api/v1/me", "")
	case r < 78:
		return w.c.small(ctx, opMeSession, w.base+"/api/v1/me", "")
	case r < 87:
		return w.c.small(ctx, opSharePage, w.base+"/s/"+f.shareToken, "application/json")
	case r < 95:
		return w.c.small(ctx, opSharePage, w.base+"/s/"+f.shareToken, "text/html")
	default:
		return w.c.small(ctx, opHealth, w.base+"/health", "")
	}
}

// upload sends random bytes of a random size up to cfg.maxUpload, the
// way o says.
func (w *loadWorker) upload(ctx context.Context, o op) outcome {
	size := 1 + w.rng.Int64N(w.cfg.maxUpload)
	name := fmt.Sprintf("load-%d-%d.bin", w.rng.Uint32(), w.n)
	body := randomBody(w.rng, size)
	switch o {
	case opUploadForm:
		return w.c.formUpload(ctx, w.base, name, body, size)
	case opUploadTus:
		return w.c.tusUpload(ctx, w.base, name, body, size)
	default:
		return w.c.upload(ctx, w.base, name, body, size, o == opUploadChunked)
	}
}
