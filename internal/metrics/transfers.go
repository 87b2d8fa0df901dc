package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Transfers counts the bytes and outcomes of uploads and downloads, the
// two things users come to Ferry for.
type Transfers struct {
	upBytes, downBytes prometheus.Counter
	ups, downs         *prometheus.CounterVec
}

// NewTransfers registers the transfer series on reg.
func NewTransfers(reg prometheus.Registerer) *Transfers {
	t := &Transfers{
		upBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ferry_upload_bytes_total", Help: "Bytes received in upload request bodies, whatever the outcome.",
		}),
		downBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ferry_download_bytes_total", Help: "Bytes of stored files sent to downloaders.",
		}),
		ups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_uploads_total", Help: "Upload requests by outcome: stored, too_large, rejected, unauthorized, rate_limited, aborted, failed.",
		}, []string{"outcome"}),
		downs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_downloads_total", Help: "Download requests by outcome: complete, partial, redirected, not_modified, aborted, locked, not_found, gone, bad_range, rate_limited, failed.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(t.upBytes, t.downBytes, t.ups, t.downs)
	// Every outcome exists at 0 from the start: the alerts divide failures
	// by all outcomes, and a series born at 1 would hide the first one.
	for _, o := range uploadOutcomes {
		t.ups.WithLabelValues(o)
	}
	for _, o := range allDownloadOutcomes() {
		t.downs.WithLabelValues(o)
	}
	return t
}

// uploadOutcomes are every value uploadOutcome returns, and aborted.
var uploadOutcomes = []string{"stored", "too_large", "rejected", "unauthorized", "rate_limited", "aborted", "failed"}

// allDownloadOutcomes are the named download outcomes, aborted and failed;
// the rare status_Nxx ones appear when they happen.
func allDownloadOutcomes() []string {
	out := []string{"aborted", "failed"}
	for _, o := range downloadOutcomes {
		out = append(out, o)
	}
	return out
}

// Uploaded records one upload request that read n body bytes and was
// answered with status; complete is false when the client hung up.
func (t *Transfers) Uploaded(status int, n int64, complete bool) {
	t.upBytes.Add(float64(n))
	outcome := "aborted"
	if complete {
		outcome = uploadOutcome(status)
	}
	t.ups.WithLabelValues(outcome).Inc()
}

// Downloaded records one download request that sent n bytes of a file and
// was answered with status; complete is false when the body was cut short.
func (t *Transfers) Downloaded(status int, n int64, complete bool) {
	t.downBytes.Add(float64(n))
	outcome := "aborted"
	if complete {
		outcome = downloadOutcome(status)
	}
	t.downs.WithLabelValues(outcome).Inc()
}

func uploadOutcome(status int) string {
	switch {
	case status == 201 || status == 200:
		return "stored"
	case status == 413:
		return "too_large"
	case status == 401 || status == 403:
		return "unauthorized"
	case status == 429:
		return "rate_limited"
	case status == 499: // the client left before the answer
		return "aborted"
	case status >= 500:
		return "failed"
	}
	return "rejected"
}

var downloadOutcomes = map[int]string{
	200: "complete", 206: "partial", 302: "redirected", 304: "not_modified",
	401: "locked", 404: "not_found", 410: "gone", 416: "bad_range", 429: "rate_limited",
	499: "aborted", // the client left before the answer
}

func downloadOutcome(status int) string {
	if o, ok := downloadOutcomes[status]; ok {
		return o
	}
	if status >= 500 {
		return "failed"
	}
	return "status_" + strconv.Itoa(status/100) + "xx"
}
