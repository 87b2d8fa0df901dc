package jobs

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestScheduleOnePerPeriod: three clocks over three periods insert one
// job a period, no more and no fewer.
func TestScheduleOnePerPeriod(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	const every = time.Second // River's smallest unique period
	// Start just after a period begins, so the run spans whole periods.
	time.Sleep(time.Until(time.Now().Truncate(every).Add(every + 50*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), 3*every-100*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		c, err := NewInserter(db, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { Schedule(ctx, c, []Periodic{{Args: PurgeArgs{}, Every: every}}, slog.New(slog.DiscardHandler)) })
	}
	wg.Wait()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'purge'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d purge jobs for 3 periods and 3 clocks, want 3", n)
	}
}
