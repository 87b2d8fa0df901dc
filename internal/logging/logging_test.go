package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo, "web")
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5}, TraceFlags: trace.FlagsSampled,
	})
	log.InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "inside")
	log.InfoContext(context.Background(), "outside")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	var in, out map[string]any
	if len(lines) != 2 || json.Unmarshal(lines[0], &in) != nil || json.Unmarshal(lines[1], &out) != nil {
		t.Fatalf("not two JSON lines: %q", buf.String())
	}
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["process"] != "web" {
		t.Errorf("traced line: %v", in)
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("untraced line has a trace id: %v", out)
	}
}

func TestRequestContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() context.Context
		want    map[string]string // fields and values; "" means absent
		logWith func(*slog.Logger, context.Context)
	}{
		{
			name: "request and user",
			ctx: func() context.Context {
				ctx := WithRequest(context.Background(), &Request{ID: "r1"})
				SetUserID(ctx, "u1")
				return ctx
			},
			want: map[string]string{"request_id": "r1", "user_id": "u1"},
		},
		{
			name: "request before sign-in",
			ctx:  func() context.Context { return WithRequest(context.Background(), &Request{ID: "r2"}) },
			want: map[string]string{"request_id": "r2", "user_id": ""},
		},
		{
			name: "no request",
			ctx:  context.Background,
			want: map[string]string{"request_id": "", "user_id": ""},
		},
		{
			name: "through With",
			ctx:  func() context.Context { return WithRequest(context.Background(), &Request{ID: "r3"}) },
			want: map[string]string{"request_id": "r3", "job": "7"},
			logWith: func(l *slog.Logger, ctx context.Context) {
				l.With("job", "7").WithGroup("g").WarnContext(ctx, "line")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, slog.LevelInfo, "web")
			if tt.logWith != nil {
				tt.logWith(log, tt.ctx())
			} else {
				log.ErrorContext(tt.ctx(), "line")
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %q", buf.String())
			}
			for k, v := range tt.want {
				s, _ := got[k].(string)
				if s != v {
					t.Errorf("%s = %q, want %q in %v", k, s, v, got)
				}
			}
		})
	}
}
