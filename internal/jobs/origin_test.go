package jobs

import (
	"context"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/ferryhq/ferry/internal/logging"
)

// TestRequestIDReachesTheJob: the id of the request that enqueued a job
// travels in its metadata and is back in the worker's log context.
func TestRequestIDReachesTheJob(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"from a request", logging.WithRequest(context.Background(), &logging.Request{ID: "req-42"}), "req-42"},
		{"from the clock", context.Background(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &rivertype.JobRow{Metadata: []byte(`{}`)}
			if opts := From(tt.ctx); opts != nil {
				job.Metadata = opts.Metadata
			}
			var got string
			err := (&requestOf{}).Work(context.Background(), job, func(ctx context.Context) error {
				got = logging.RequestID(ctx)
				return nil
			})
			if err != nil || got != tt.want {
				t.Errorf("request id in the job's context = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
