package web

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// scrape returns the server's /metrics text, from the operational port.
func (st *stack) scrape(t *testing.T) string {
	t.Helper()
	res, err := http.Get(st.opsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestMetricsAfterTraffic: after known uploads and downloads the series
// count them by outcome and by route pattern, and no share token, file id
// or raw path becomes a label value.
func TestMetricsAfterTraffic(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	content := bytes.Repeat([]byte("m"), 1000)
	file := st.upload(t, "report.txt", content, "")
	link := pathOf(t, shareOf(file)["download_url"].(string))
	token, id := shareOf(file)["token"].(string), file["id"].(string)

	st.call(t, "GET", link, "", nil)
	st.call(t, "GET", link, "", nil, "Range", "bytes=10-19")
	st.call(t, "GET", "/s/"+strings.Repeat("x", 22)+"/files/"+id, "", nil)
	st.call(t, "PUT", "/api/v1/files/big.bin", st.token, bytes.NewReader(make([]byte, 2<<20)))

	out := st.scrape(t)
	for _, want := range []string{
		`ferry_uploads_total{outcome="stored"} 1`,
		`ferry_uploads_total{outcome="too_large"} 1`,
		`ferry_downloads_total{outcome="complete"} 1`,
		`ferry_downloads_total{outcome="partial"} 1`,
		`ferry_downloads_total{outcome="not_found"} 1`,
		`ferry_download_bytes_total 1010`,
		`http_requests_total{code="201",method="PUT",route="PUT /api/v1/files/{name}"} 1`,
		`http_requests_total{code="206",method="GET",route="GET /s/{token}/files/{id}"} 1`,
		`http_request_duration_seconds_count{method="GET",route="GET /s/{token}/files/{id}"} 3`,
		`http_requests_in_flight 0`, // the scrape goes to the operational port, which the app series do not count
		`ferry_build_info{`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !regexp.MustCompile(`ferry_upload_bytes_total (\d+)`).MatchString(out) {
		t.Errorf("no upload byte count")
	}
	pattern := regexp.MustCompile(`^(unmatched|[A-Z]+ /[a-z0-9/{}._$-]*)$`)
	for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		if !pattern.MatchString(m[1]) || strings.Contains(m[1], token) || strings.Contains(m[1], id) {
			t.Errorf("route label %q is not a pattern", m[1])
		}
	}
}
