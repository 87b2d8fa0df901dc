package metrics

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestFailureSeriesStartAtZero: before any request, the series the alerts
// divide and count exist at 0, so the first failure is an increase.
func TestFailureSeriesStartAtZero(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	NewHTTP(reg).Prepare([]string{"PUT /api/v1/files/{name}", "GET /s/{token}", "/api/v1/files"})
	NewTransfers(reg)
	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text, _ := io.ReadAll(rec.Body)
	tests := []struct {
		name, series string
		want         bool
	}{
		{"500 on a route", `http_requests_total{code="500",method="PUT",route="PUT /api/v1/files/{name}"} 0`, true},
		{"503 on a route", `http_requests_total{code="503",method="GET",route="GET /s/{token}"} 0`, true},
		{"no series for a method-less pattern", `route="/api/v1/files"`, false},
		{"failed uploads", `ferry_uploads_total{outcome="failed"} 0`, true},
		{"stored uploads", `ferry_uploads_total{outcome="stored"} 0`, true},
		{"failed downloads", `ferry_downloads_total{outcome="failed"} 0`, true},
		{"complete downloads", `ferry_downloads_total{outcome="complete"} 0`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(string(text), tt.series); got != tt.want {
				t.Errorf("%s in the scrape: %v, want %v", tt.series, got, tt.want)
			}
		})
	}
}

// TestOutcomes: each status names its outcome; a 499 (the client left
// before the answer) is aborted, never failed.
func TestOutcomes(t *testing.T) {
	tests := []struct {
		status         int
		upload, downld string
	}{
		{201, "stored", "status_2xx"},
		{200, "stored", "complete"},
		{206, "rejected", "partial"},
		{413, "too_large", "status_4xx"},
		{401, "unauthorized", "locked"},
		{429, "rate_limited", "rate_limited"},
		{499, "aborted", "aborted"},
		{503, "failed", "failed"},
		{500, "failed", "failed"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			if got := uploadOutcome(tt.status); got != tt.upload {
				t.Errorf("upload outcome %q, want %q", got, tt.upload)
			}
			if got := downloadOutcome(tt.status); got != tt.downld {
				t.Errorf("download outcome %q, want %q", got, tt.downld)
			}
		})
	}
}
