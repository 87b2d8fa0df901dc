package telemetry

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestOn(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want bool
	}{
		{"nothing set", Settings{}, false},
		{"collector address only", Settings{Endpoint: "http://collector:4318"}, true},
		{"console", Settings{Exporter: "console"}, true},
		{"none wins over an address", Settings{Exporter: "none", Endpoint: "http://collector:4318"}, false},
		{"disabled wins over everything", Settings{Exporter: "otlp", Disabled: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.On(); got != tt.want {
				t.Errorf("On() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSampler(t *testing.T) {
	parent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{2}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	tests := []struct {
		name     string
		settings Settings
		ctx      context.Context
		kind     trace.SpanKind
		want     sdktrace.SamplingDecision
		desc     string
	}{
		{"default keeps a request", Settings{}, context.Background(), trace.SpanKindServer, sdktrace.RecordAndSample, "ParentBased"},
		{"a call inside a request is kept", Settings{}, parent, trace.SpanKindClient, sdktrace.RecordAndSample, "ParentBased"},
		{"a call with no parent is dropped", Settings{Sampler: "always_on"}, context.Background(), trace.SpanKindClient, sdktrace.Drop, "AlwaysOn"},
		{"always_off", Settings{Sampler: "always_off"}, context.Background(), trace.SpanKindServer, sdktrace.Drop, "AlwaysOff"},
		{"ratio zero", Settings{Sampler: "traceidratio", SamplerArg: "0"}, context.Background(), trace.SpanKindServer, sdktrace.Drop, "TraceIDRatioBased"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dropOrphanCalls{tt.settings.sampler()}
			got := s.ShouldSample(sdktrace.SamplingParameters{ParentContext: tt.ctx, TraceID: trace.TraceID{3}, Kind: tt.kind, Name: "x"})
			if got.Decision != tt.want || !strings.Contains(s.Description(), tt.desc) {
				t.Errorf("decision %v (%s), want %v (%s)", got.Decision, s.Description(), tt.want, tt.desc)
			}
		})
	}
}
