package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ferryhq/ferry/internal/logging"
)

// requestIDKey is where a job's metadata keeps the id of the request that
// enqueued it. The trace context travels beside it, put there by
// otelriver when tracing is on.
const requestIDKey = "request_id"

// From returns insert options whose metadata carries the id of the
// request ctx belongs to, so the worker's log lines about the job name
// the request that caused it.
func From(ctx context.Context) *river.InsertOpts {
	id := logging.RequestID(ctx)
	if id == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]string{requestIDKey: id})
	return &river.InsertOpts{Metadata: b}
}

// requestOf is the request a job's metadata names, for the worker's log
// context: the enqueuing request's id, and the job's own id and kind.
type requestOf struct{ river.MiddlewareDefaults }

// Work puts the enqueuing request's id in ctx before the job runs.
func (*requestOf) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	var meta map[string]any
	_ = json.Unmarshal(job.Metadata, &meta)
	if id, ok := meta[requestIDKey].(string); ok && id != "" {
		ctx = logging.WithRequest(ctx, &logging.Request{ID: id})
	}
	return doInner(ctx)
}
