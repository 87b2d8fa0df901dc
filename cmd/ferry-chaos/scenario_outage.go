package main

import (
	"context"
	"time"
)

// outage runs load, takes a backing service away for outageFor with
// down (which returns once the service is back), and keeps the load on
// until well after the recovery window.
func (s *suite) outage(ctx context.Context, down func(context.Context, *window) error) (scenarioRun, error) {
	load := s.startLoad(ctx, defaultLoad)
	sleepCtx(ctx, settle)
	w := window{allow503: true, interruptible: true}
	if err := down(ctx, &w); err != nil {
		load.stop()
		return scenarioRun{}, err
	}
	sleepCtx(ctx, recoverWithin+settle)
	return scenarioRun{outcomes: load.stop(), window: w, dupJobs: -1}, nil
}

// postgresOutage is a fast shutdown, outageFor away, and a start on the
// same folder and port.
func (s *suite) postgresOutage(ctx context.Context, w *window) error {
	s.logf("stopping postgres (fast) for %v", outageFor)
	w.inject = time.Now()
	if err := s.stack.pg.stop(ctx); err != nil {
		return err
	}
	w.settled = time.Now()
	sleepCtx(ctx, outageFor)
	err := s.stack.pg.start(ctx)
	w.restore = time.Now()
	s.logf("postgres is back")
	return err
}

// redisOutage stops Redis for outageFor and starts it on the same port.
func (s *suite) redisOutage(ctx context.Context, w *window) error {
	s.logf("stopping redis for %v", outageFor)
	w.inject = time.Now()
	if err := s.stack.redis.stop(ctx); err != nil {
		return err
	}
	w.settled = time.Now()
	sleepCtx(ctx, outageFor)
	err := s.stack.redis.start(ctx)
	w.restore = time.Now()
	s.logf("redis is back")
	return err
}

// storageOutage kills versitygw, and after outageFor starts it on the
// same port and folder.
func (s *suite) storageOutage(ctx context.Context, w *window) error {
	s.logf("killing versitygw for %v", outageFor)
	w.inject = time.Now()
	s.stack.s3.gw.kill()
	w.settled = time.Now()
	sleepCtx(ctx, outageFor)
	err := s.stack.s3.start(ctx)
	w.restore = time.Now()
	s.logf("versitygw is back")
	return err
}
