package jobs

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/propagation"
)

// traceContext is the W3C propagator; it writes nothing when ctx carries
// no span, so jobs cost nothing extra while tracing is off.
var traceContext = propagation.TraceContext{}

// From returns insert options whose metadata carries the enqueuing
// request's id and W3C trace context, so the worker's logs and spans can
// be tied to the request that caused the job.
func From(ctx context.Context, requestID string) *river.InsertOpts {
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	if requestID != "" {
		carrier["request_id"] = requestID
	}
	b, _ := json.Marshal(carrier)
	return &river.InsertOpts{Metadata: b}
}

// Origin returns ctx joined to the trace of the request that enqueued
// job, and that request's id ("" when there was none).
func Origin(ctx context.Context, job *rivertype.JobRow) (context.Context, string) {
	carrier := propagation.MapCarrier{}
	_ = json.Unmarshal(job.Metadata, &carrier)
	return traceContext.Extract(ctx, carrier), carrier["request_id"]
}
