package main

import (
	"context"
	"fmt"
	"time"
)

// clockPeriod is the suite's SWEEP_INTERVAL and PURGE_INTERVAL.
const clockPeriod = 2 * time.Second

// clockPeriods is how many periods two clocks run side by side.
const clockPeriods = 6

// twoClocks starts a second clock for a few periods under light load and
// counts, per periodic kind and period, the jobs inserted: more than one
// is a duplicate.
func (s *suite) twoClocks(ctx context.Context) (scenarioRun, error) {
	load := s.startLoad(ctx, defaultLoad)
	from := time.Now()
	if err := s.addClock(ctx); err != nil {
		load.stop()
		return scenarioRun{}, err
	}
	second := s.stack.clocks[len(s.stack.clocks)-1]
	sleepCtx(ctx, clockPeriods*clockPeriod+clockPeriod/2)
	err := second.stop(ctx)
	s.stack.clocks = s.stack.clocks[:len(s.stack.clocks)-1]
	until := time.Now()
	run := scenarioRun{outcomes: load.stop()}
	if err != nil {
		return run, err
	}
	return s.countPeriodic(ctx, from, until, run)
}

// countPeriodic counts the periodic jobs inserted between from and until,
// per kind and period.
func (s *suite) countPeriodic(ctx context.Context, from, until time.Time, run scenarioRun) (scenarioRun, error) {
	const per = `SELECT kind, floor(extract(epoch FROM created_at) / $3) AS period, count(*) AS n
		FROM river_job WHERE kind IN ('orphan_sweep', 'purge') AND created_at BETWEEN $1 AND $2 GROUP BY 1, 2`
	dups, err := s.queryInt(ctx, `SELECT COALESCE(sum(n - 1), 0) FROM (`+per+`) p`, from, until, clockPeriod.Seconds())
	if err != nil {
		return run, err
	}
	periods, err := s.queryInt(ctx, `SELECT count(*) FROM (`+per+`) p`, from, until, clockPeriod.Seconds())
	if err != nil {
		return run, err
	}
	run.dupJobs = dups
	run.notes = append(run.notes, fmt.Sprintf("%d (kind, period) pairs with a job while two clocks ran", periods))
	if periods < clockPeriods {
		run.problems = append(run.problems, fmt.Sprintf("only %d (kind, period) pairs had a job in %d periods of two kinds", periods, clockPeriods))
	}
	return run, nil
}
