// Package logging builds the one logger each process writes with: JSON
// objects, one per line, on stdout, and nowhere else.
package logging

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// New returns a JSON logger at level that writes to w and names the
// process type on every line, so mixed streams stay readable. Lines logged
// with a context inside a trace carry its trace_id and span_id.
func New(w io.Writer, level slog.Leveler, process string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(traced{h}).With("process", process)
}

// Err is the attribute errors are logged under, with their whole chain.
func Err(err error) slog.Attr { return slog.String("error", err.Error()) }

// traced adds the trace and span ids of the record's context.
type traced struct{ slog.Handler }

func (h traced) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traced) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traced{h.Handler.WithAttrs(attrs)}
}

func (h traced) WithGroup(name string) slog.Handler { return traced{h.Handler.WithGroup(name)} }
