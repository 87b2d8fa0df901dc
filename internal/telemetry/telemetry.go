// Package telemetry sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables. While tracing is off it builds nothing at all, so
// the instrumented paths cost what they did before tracing existed.
package telemetry

import (
	"context"
	"fmt"
	"strconv"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Settings say whether and how to trace; they come from the OTEL_*
// variables the config names.
type Settings struct {
	Exporter    string // OTEL_TRACES_EXPORTER: otlp, console, none or empty
	Endpoint    string // OTEL_EXPORTER_OTLP_ENDPOINT or its traces variant
	ServiceName string // OTEL_SERVICE_NAME; empty: "ferry-" + the process type
	Sampler     string // OTEL_TRACES_SAMPLER; empty: parentbased_always_on
	SamplerArg  string // OTEL_TRACES_SAMPLER_ARG, the ratio of the traceidratio samplers
	Disabled    bool   // OTEL_SDK_DISABLED
}

// On reports whether spans are to be made. With no exporter named, tracing
// is on only when a collector address is given: a self-hosted service must
// not try to reach a collector nobody set up.
func (s Settings) On() bool {
	switch {
	case s.Disabled || s.Exporter == "none":
		return false
	case s.Exporter == "":
		return s.Endpoint != ""
	}
	return true
}

// Propagator reads and writes W3C traceparent and baggage headers.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Tracing is a process's tracer provider; Provider is nil while tracing is
// off, and every instrumented part then leaves itself out.
type Tracing struct {
	Provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider
}

// Start builds the tracer provider for process (web, worker, clock). The
// exporter, its endpoint, headers and protocol, and the sampler are read
// by the SDK from the OTEL_* variables.
func Start(ctx context.Context, s Settings, process, version, environment string) (*Tracing, error) {
	if !s.On() {
		return &Tracing{}, nil
	}
	exp, err := autoexport.NewSpanExporter(ctx) // with no exporter named: otlp

	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	name := s.ServiceName
	if name == "" {
		name = "ferry-" + process
	}
	// OTEL_RESOURCE_ATTRIBUTES may add attributes; ours win.
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithAttributes(
		semconv.ServiceName(name), semconv.ServiceVersion(version), semconv.DeploymentEnvironmentName(environment)))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(dropOrphanCalls{s.sampler()}))
	return &Tracing{Provider: sdk, sdk: sdk}, nil
}

// Stop sends the spans still buffered and releases the exporter.
func (t *Tracing) Stop(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// sampler is the one OTEL_TRACES_SAMPLER names; the config has checked
// the name and the ratio.
func (s Settings) sampler() sdktrace.Sampler {
	ratio, err := strconv.ParseFloat(s.SamplerArg, 64)
	if err != nil {
		ratio = 1
	}
	switch s.Sampler {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

// dropOrphanCalls drops client spans that have no parent: calls to
// Postgres, Redis or S3 made outside any request or job, such as the
// queue's polling and the readiness probes every few seconds, which would
// otherwise each be a trace of one span.
type dropOrphanCalls struct{ sdktrace.Sampler }

func (d dropOrphanCalls) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if p.Kind == trace.SpanKindClient && !trace.SpanContextFromContext(p.ParentContext).IsValid() {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop}
	}
	return d.Sampler.ShouldSample(p)
}

func (d dropOrphanCalls) Description() string {
	return "DropOrphanCalls{" + d.Sampler.Description() + "}"
}
