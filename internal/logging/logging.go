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
// with a context (InfoContext, ErrorContext, ...) carry what it knows:
// request_id and user_id of the request it serves, trace_id and span_id
// of its trace.
func New(w io.Writer, level slog.Leveler, process string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(traced{Handler: h}).With("process", process)
}

// Err is the attribute errors are logged under, with their whole chain.
func Err(err error) slog.Attr { return slog.String("error", err.Error()) }

// traced adds the request and trace of the record's context, at the top
// level of the line even under a group: the handler it wraps is kept as
// it was before the first group, and the groups and attributes since are
// replayed after the context's attributes.
type traced struct {
	slog.Handler                                   // the handler before the first WithGroup
	since        []func(slog.Handler) slog.Handler // WithGroup and later WithAttrs, in order
}

func (h traced) Handle(ctx context.Context, r slog.Record) error {
	var top []slog.Attr
	if req := RequestOf(ctx); req != nil {
		top = append(top, slog.String("request_id", req.ID))
		if req.UserID != "" {
			top = append(top, slog.String("user_id", req.UserID))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		top = append(top, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if len(h.since) == 0 {
		r.AddAttrs(top...)
		return h.Handler.Handle(ctx, r)
	}
	inner := h.Handler
	if len(top) > 0 {
		inner = inner.WithAttrs(top)
	}
	for _, step := range h.since {
		inner = step(inner)
	}
	return inner.Handle(ctx, r)
}

func (h traced) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(h.since) == 0 {
		return traced{Handler: h.Handler.WithAttrs(attrs)}
	}
	return h.then(func(in slog.Handler) slog.Handler { return in.WithAttrs(attrs) })
}

func (h traced) WithGroup(name string) slog.Handler {
	return h.then(func(in slog.Handler) slog.Handler { return in.WithGroup(name) })
}

func (h traced) then(step func(slog.Handler) slog.Handler) traced {
	return traced{Handler: h.Handler, since: append(h.since[:len(h.since):len(h.since)], step)}
}
