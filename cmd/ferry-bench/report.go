package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

// writeReport prints the figures as Markdown, ready for docs/benchmarks.md.
func writeReport(w io.Writer, r *results) error {
	var s strings.Builder
	fmt.Fprintf(&s, "Machine: %s. Sizes: big object %s, small file %s, %d keep-alive clients for %v, round trips over %d sequential downloads.\n",
		machine(), r.opts.size.String(), units.Bytes(smallSize), r.opts.concurrency, r.opts.duration, r.opts.roundTrips)
	fmt.Fprintf(&s, "Stack, all on 127.0.0.1: %s.\n\n", strings.Join(r.stack, ", "))
	s.WriteString("| measure | result | Ferry/direct |\n|---|---:|---:|\n")
	for _, row := range rows(r) {
		fmt.Fprintf(&s, "| %s | %s | %s |\n", row[0], row[1], row[2])
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// rows are the table's lines: what, how much, and Ferry's share of direct.
func rows(r *results) [][3]string {
	big := r.opts.size.String()
	small := fmt.Sprintf("small downloads (%s, %d clients)", units.Bytes(smallSize), r.small.clients)
	out := [][3]string{
		{"direct S3 PUT, " + big, mbps(r.directPut), ""},
		{"Ferry PUT, " + big, mbps(r.ferryPut), ratio(r.ferryPut, r.directPut)},
		{"Ferry PUT, " + big + ", until its last byte was sent", mbps(sent(r.ferryPut)), ratio(sent(r.ferryPut), r.directPut)},
		{"direct S3 GET, " + big, mbps(r.directGet), ""},
		{"Ferry GET, " + big, mbps(r.ferryGet), ratio(r.ferryGet, r.directGet)},
		{"Ferry RSS growth during the PUT", growth(r.putMemory), ""},
		{"Ferry RSS growth during the GET", growth(r.getMemory), ""},
		{fmt.Sprintf("Ferry tus upload, %s in %d MiB PATCHes", big, tusChunk>>20), mbps(r.tusPut), ratio(r.tusPut, r.directPut)},
		{"Ferry tus upload ÷ Ferry PUT", fmt.Sprintf("%.2f", r.tusPut.mbps()/r.ferryPut.mbps()), ""},
		{"Ferry RSS growth during the tus upload", growth(r.tusMemory), ""},
		{"CPU per GiB, direct S3 PUT", r.directPutCPU.perGiB(r.directPut.bytes), ""},
		{"CPU per GiB, Ferry PUT", r.ferryPutCPU.perGiB(r.ferryPut.bytes), ""},
		{"CPU per GiB, Ferry tus upload", r.tusCPU.perGiB(r.tusPut.bytes), ""},
	}
	if r.opts.only == onlyBig {
		return out
	}
	out = append(out,
		[3]string{small, fmt.Sprintf("%.0f req/s", r.small.rate()), ""},
		[3]string{"small download latency p50", millis(r.small.percentile(0.50)), ""},
		[3]string{"small download latency p99", millis(r.small.percentile(0.99)), ""},
		[3]string{"small downloads, tracing on (100% sampled, OTLP/HTTP)", fmt.Sprintf("%.0f req/s", r.traced.rate()), fmt.Sprintf("%.2f of tracing off", r.traced.rate()/r.small.rate())},
		[3]string{"traced small download latency p50 / p99", millis(r.traced.percentile(0.50)) + " / " + millis(r.traced.percentile(0.99)), ""},
		[3]string{"spans exported", fmt.Sprintf("%d requests, %.1f MiB", r.traceExports, float64(r.traceBytes)/(1<<20)), ""},
	)
	if r.small.failures > 0 {
		out = append(out, [3]string{"small downloads failed", fmt.Sprint(r.small.failures), ""})
	}
	redis := "n/a (embedded Redis)"
	if r.trips.redisKnown {
		redis = fmt.Sprintf("%.2f", r.trips.commands)
	}
	return append(out,
		[3]string{"Postgres transactions per download", fmt.Sprintf("%.2f", r.trips.commits), ""},
		[3]string{"Redis commands per download", redis, ""},
	)
}

// sent is a PUT timed to its last byte, leaving out how long the server
// took to finish after it.
func sent(t transfer) transfer { return transfer{bytes: t.bytes, elapsed: t.sent} }

func mbps(t transfer) string { return fmt.Sprintf("%.1f MB/s", t.mbps()) }

func ratio(ferry, direct transfer) string { return fmt.Sprintf("%.2f", ferry.mbps()/direct.mbps()) }

func growth(m memory) string {
	const mib = 1 << 20
	return fmt.Sprintf("%.1f MiB (%.1f → %.1f MiB)", float64(m.growth())/mib, float64(m.before)/mib, float64(m.peak)/mib)
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// machine names the CPUs, platform and Go version.
func machine() string {
	cpus := fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if model := cpuModel(); model != "" {
		cpus += " (" + model + ")"
	}
	return fmt.Sprintf("%s, %s/%s, %s", cpus, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "".
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
