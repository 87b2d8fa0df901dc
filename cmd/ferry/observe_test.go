package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// span is the part of the console exporter's JSON a test looks at.
type span struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	Links       []struct {
		SpanContext struct{ TraceID, SpanID string }
	}
	Attributes []struct {
		Key   string
		Value struct{ Value any }
	}
	InstrumentationScope struct{ Name string }
}

// spans reads the spans among a process's stdout lines; the other lines
// are its logs.
func spans(out string) []span {
	var all []span
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var s span
		if bytes.Contains(sc.Bytes(), []byte(`"SpanContext"`)) && json.Unmarshal(sc.Bytes(), &s) == nil {
			all = append(all, s)
		}
	}
	return all
}

func inTrace(all []span, traceID string) []span {
	var in []span
	for _, s := range all {
		if s.SpanContext.TraceID == traceID {
			in = append(in, s)
		}
	}
	return in
}

func hasScope(all []span, scope string) bool {
	for _, s := range all {
		if strings.Contains(s.InstrumentationScope.Name, scope) {
			return true
		}
	}
	return false
}

// TestTracesAndMetrics: an upload made inside a caller's W3C trace is
// traced from the HTTP request through Postgres and S3, and the worker's
// job span for it links back to that trace (spans come from
// OTEL_TRACES_EXPORTER=console); web and worker count what happened.
func TestTracesAndMetrics(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	env, base := webEnv(t, dbtest.URL(t))
	env = append(env, "BLOB_URL="+blobtest.S3(t))
	token := adminToken(t, env)
	traced := append(env, "OTEL_TRACES_EXPORTER=console", "OTEL_BSP_SCHEDULE_DELAY=100")
	web := start(t, traced, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	port := freePort(t)
	worker := start(t, append(traced, "METRICS_PORT="+strconv.Itoa(port)), "worker")
	waitFor(t, worker, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 20*time.Second)

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest("PUT", base+"/api/v1/files/photo.png", bytes.NewReader(pngBytes(t, 64, 48)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("upload: %v %v", res, err)
	}
	_ = res.Body.Close()

	var job span
	eventually(t, "the worker's span for the upload's job", 30*time.Second, func() bool {
		for _, s := range spans(worker.stdout.String()) {
			if s.Name == "river.work/process_file" && len(s.Links) > 0 && s.Links[0].SpanContext.TraceID == traceID {
				job = s
				return true
			}
		}
		return false
	})
	var webSpans []span
	eventually(t, "the upload's S3 and HTTP spans", 10*time.Second, func() bool {
		webSpans = inTrace(spans(web.stdout.String()), traceID)
		named := false
		for _, s := range webSpans {
			named = named || s.Name == "PUT /api/v1/files/{name}"
		}
		// The request's own span ends last, after the response is written.
		return hasScope(webSpans, "aws-sdk-go-v2/service/s3") && named
	})

	var reqSpan *span
	for i, s := range webSpans {
		if s.Name == "PUT /api/v1/files/{name}" {
			reqSpan = &webSpans[i]
		}
	}
	if reqSpan == nil || reqSpan.Parent.SpanID != parentID {
		t.Fatalf("no HTTP span named by route continuing the caller's trace: %+v", webSpans)
	}
	for _, scope := range []string{"otelpgx", "aws-sdk-go-v2/service/s3"} {
		if !hasScope(webSpans, scope) {
			t.Errorf("no %s span in the upload's trace", scope)
		}
	}
	if !hasScope(inTrace(spans(worker.stdout.String()), job.SpanContext.TraceID), "otelpgx") {
		t.Errorf("the job's trace holds no Postgres span")
	}
	for _, s := range append(webSpans, job) {
		for _, a := range s.Attributes {
			if v := fmt.Sprint(a.Value.Value); strings.Contains(v, "photo.png") || strings.Contains(v, token) {
				t.Errorf("span %q attribute %s holds request data: %q", s.Name, a.Key, v)
			}
		}
	}
	for url, series := range map[string][]string{
		fmt.Sprintf("http://127.0.0.1:%d/metrics", port): {
			`ferry_jobs_worked_total{kind="process_file",outcome="completed"} 1`,
			`ferry_job_duration_seconds_count{kind="process_file"} 1`,
			`ferry_db_pool_connections{state="idle"}`,
		},
		opsBase(env) + "/metrics": {
			`ferry_uploads_total{outcome="stored"} 1`,
			`ferry_db_pool_max_connections`,
			`ferry_redis_pool_connections{state="total"}`,
			"ferry_ready 1",
			`ferry_check_up{check="object_storage"} 1`,
		},
	} {
		res, body := request(t, "GET", url, "", nil)
		for _, want := range series {
			if res.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("%s lacks %s", url, want)
			}
		}
	}
	logged := false
	for _, line := range web.jsonLines(t) {
		if line.Msg == "request" && line.TraceID == traceID && line.SpanID == reqSpan.SpanContext.SpanID {
			logged = true
		}
	}
	if !logged {
		t.Errorf("the upload's log line carries no trace_id and span_id")
	}
}
