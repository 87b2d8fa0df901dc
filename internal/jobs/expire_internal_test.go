package jobs

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// fakeReaper records the time it was asked to reap up to, and has the
// uploads of the keys it is given in progress.
type fakeReaper struct {
	upTo       time.Time
	inProgress []string
}

func (f *fakeReaper) InProgress(_ context.Context, key string) (bool, error) {
	return slices.Contains(f.inProgress, key), nil
}

func (f *fakeReaper) Reap(_ context.Context, now time.Time) (int, error) {
	f.upTo = now
	return 1, nil
}

// TestExpireUploadsJob: the job reaps only uploads past their expiry by
// more than the grace, so a PATCH begun before the expiry may end, and
// does nothing on a store without resumable uploads.
func TestExpireUploadsJob(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	tests := []struct {
		name   string
		reaper *fakeReaper
	}{
		{"reaps up to now minus the grace", &fakeReaper{}},
		{"no resumable uploads", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Deps{DB: db, Log: slog.New(slog.DiscardHandler), Settings: Settings{OrphanGrace: time.Hour}}
			if tt.reaper != nil {
				d.Uploads = tt.reaper
			}
			start := time.Now()
			work(t, d, &expireWorker{d: d}, ExpireUploadsArgs{})
			if tt.reaper == nil {
				return
			}
			if lo, hi := start.Add(-time.Hour), time.Now().Add(-time.Hour); tt.reaper.upTo.Before(lo) || tt.reaper.upTo.After(hi) {
				t.Errorf("reaped up to %v, want between %v and %v", tt.reaper.upTo, lo, hi)
			}
		})
	}
}
