package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Periodic is a job the clock inserts once per Every.
type Periodic struct {
	Args  river.JobArgs
	Every time.Duration
}

// Schedule inserts each periodic job at the start of every period until
// ctx ends. Each insert is unique per kind and period, so any number of
// clocks yield one job a period; a clock that restarts inserts the current
// period's job at once, so no period is skipped, and a repeat is dropped.
func Schedule(ctx context.Context, c *Client, periodic []Periodic, log *slog.Logger) {
	done := make(chan struct{})
	for _, p := range periodic {
		go func() {
			defer func() { done <- struct{}{} }()
			schedule(ctx, c, p, log)
		}()
	}
	for range periodic {
		<-done
	}
}

func schedule(ctx context.Context, c *Client, p Periodic, log *slog.Logger) {
	for {
		if err := insertForPeriod(ctx, c, p, log); err != nil {
			// The database may be away; try again soon within this period.
			if !sleep(ctx, min(p.Every/4+time.Millisecond, 5*time.Second)) {
				return
			}
			continue
		}
		next := time.Now().Truncate(p.Every).Add(p.Every)
		if !sleep(ctx, time.Until(next)) {
			return
		}
	}
}

func insertForPeriod(ctx context.Context, c *Client, p Periodic, log *slog.Logger) error {
	res, err := c.Insert(ctx, p.Args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: p.Every}})
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("schedule job", "kind", p.Args.Kind(), "error", err.Error())
		}
		return err
	}
	if res.UniqueSkippedAsDuplicate {
		log.Debug("job already scheduled for this period", "kind", p.Args.Kind())
	} else {
		log.Info("scheduled job", "kind", p.Args.Kind(), "job_id", res.Job.ID)
	}
	return nil
}

// sleep waits d or until ctx ends, and reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
