package main

import (
	"bytes"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name                      string
		want, status              int
		retryAfter, conn, corrupt bool
		kind                      kind
	}{
		{"created", 201, 201, false, false, false, kindOK},
		{"ok", 200, 200, false, false, false, kindOK},
		{"503 with Retry-After", 200, 503, true, false, false, kind503},
		{"503 without", 200, 503, false, false, false, kind503NoRetry},
		{"500", 201, 500, false, false, false, kind500},
		{"nginx 502", 201, 502, false, false, false, kindOther},
		{"200 for an upload", 201, 200, false, false, false, kindOther},
		{"reset", 200, 0, false, true, false, kindConn},
		{"cut after the status", 200, 200, false, true, false, kindConn},
		{"wrong bytes", 200, 200, false, false, true, kindCorrupt},
	} {
		if got := classify(c.want, c.status, c.retryAfter, c.conn, c.corrupt); got != c.kind {
			t.Errorf("%s: %v, want %v", c.name, got, c.kind)
		}
	}
	if wantStatus(opUploadChunked) != http.StatusCreated || wantStatus(opMe) != http.StatusOK {
		t.Error("wantStatus")
	}
}

// at makes an outcome from start and end offsets in seconds from t0.
func at(t0 time.Time, o op, k kind, start, end float64) outcome {
	sec := func(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Second))) }
	return outcome{op: o, kind: k, start: sec(start), end: sec(end), status: 503}
}

func TestEvaluateOutage(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	w := window{inject: t0.Add(10 * time.Second), settled: t0.Add(10 * time.Second), restore: t0.Add(20 * time.Second), allow503: true, interruptible: true}
	outs := []outcome{
		at(t0, opMe, kindOK, 1, 2),
		at(t0, opDownload, kindConn, 9, 11),     // in flight at the fault: interrupted
		at(t0, opMe, kind503, 11, 12),           // first 503, 2 s after the fault
		at(t0, opMe, kind503, 22, 23.5),         // within the recovery window: allowed; recovery 3.5 s
		at(t0, opUploadKnown, kind500, 12, 13),  // never allowed
		at(t0, opMe, kind503, 30, 31),           // past recovery: a failure, and recovery 11 s
		at(t0, opUploadKnown, kindConn, 14, 15), // a reset during the outage: a failure
	}
	st := evaluate(outs, w)
	if st.requests != 7 || st.byKind[kindOK] != 1 || st.byKind[kindInterrupted] != 1 || st.byKind[kind503] != 3 {
		t.Errorf("counts: %+v", st.byKind)
	}
	if st.unexpected[kind500] != 1 || st.unexpected[kind503] != 1 || st.unexpected[kindConn] != 1 {
		t.Errorf("unexpected: %+v", st.unexpected)
	}
	if st.firstUnavailable != 2*time.Second || st.recovery != 11*time.Second {
		t.Errorf("first 503 %v, recovery %v", st.firstUnavailable, st.recovery)
	}
	problems := strings.Join(st.problems(), "\n")
	for _, want := range []string{"1 requests failed with 500 (upload 1)", "recovered 11.0 s after", "conn error (upload 1)"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
}

func TestEvaluateNoFault(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	o := at(t0, opUploadChunked, kindOther, 1, 2)
	o.status = 502
	st := evaluate([]outcome{at(t0, opMe, kindOK, 0, 1), o}, window{})
	if st.firstUnavailable != -1 || st.recovery != -1 {
		t.Errorf("times measured without a fault: %v %v", st.firstUnavailable, st.recovery)
	}
	if p := st.problems(); len(p) != 1 || p[0] != "1 requests failed with other status (chunked upload 1; status 502 ×1)" {
		t.Errorf("problems: %q", p)
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	ok := result{name: "rolling-restart", dupJobs: -1, stats: loadStats{requests: 10, firstUnavailable: -1, recovery: -1}}
	ok.stats.byKind[kindOK] = 10
	ok.verified = verification{rows: 4, objects: 4, downloads: 4}
	bad := result{name: "storage-outage", dupJobs: -1, problems: []string{"27 requests failed with 500 (upload 27)"},
		stats: loadStats{requests: 50, firstUnavailable: 700 * time.Millisecond, recovery: 0}}
	bad.stats.byKind[kindOK], bad.stats.byKind[kind500], bad.stats.byKind[kind503NoRetry] = 20, 27, 3
	var b strings.Builder
	if err := writeReport(&b, "Ferry at commit abc", []result{ok, bad}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"| rolling-restart | 10 | 10 | 0 | 0 | 0 | 0 | 0 | — | — | 4 / 4 | 4 of 4 | 0 | 0 | — | pass |",
		"| storage-outage | 50 | 20 | 27 | 0 (+3 without Retry-After) | 0 | 0 | 0 | 0.7 s | 0.0 s |",
		"**FAIL** |",
		"- storage-outage: 27 requests failed with 500 (upload 27)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if lines := strings.Count(got, "\n| "); lines != 3 {
		t.Errorf("%d table lines, want heading and two rows:\n%s", lines, got)
	}
	if allPassed([]result{ok, bad}) || !allPassed([]result{ok}) {
		t.Error("allPassed")
	}
}

func TestNginxConfig(t *testing.T) {
	t.Parallel()
	conf := nginxConfig{prefix: "/tmp/x", port: 8080, upstreams: []int{3001, 3002}}.render()
	for _, want := range []string{
		"listen 127.0.0.1:8080;",
		"server 127.0.0.1:3001 max_fails=0;",
		"server 127.0.0.1:3002 max_fails=0;",
		"proxy_next_upstream error timeout http_503;",
		"proxy_request_buffering off;",
		"proxy_http_version 1.1;",
		"client_max_body_size 0;",
		"pid /tmp/x/nginx.pid;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	if strings.Contains(conf, "non_idempotent") || strings.Contains(conf, "{prefix}") || strings.Contains(conf, "{servers}") {
		t.Errorf("config retries non-idempotent requests, or has a placeholder left:\n%s", conf)
	}
}

func TestScenarioSelection(t *testing.T) {
	t.Parallel()
	names := func(o options) []string {
		var out []string
		for _, sc := range (&suite{opts: o}).scenarios() {
			out = append(out, sc.name)
		}
		return out
	}
	if got := strings.Join(names(options{short: true}), ","); got != "rolling-restart,storage-outage" {
		t.Errorf("short form: %s", got)
	}
	if got := len(names(options{})); got != 8 {
		t.Errorf("full form: %d scenarios", got)
	}
	if got := strings.Join(names(options{only: []string{"pools", "kill-web"}}), ","); got != "kill-web,pools" {
		t.Errorf("-run: %s", got)
	}
	if _, err := parseFlags([]string{"-run", "nope"}, nil); err == nil || !strings.Contains(err.Error(), `no scenario "nope"`) {
		t.Errorf("-run nope: %v", err)
	}
}

// TestTimeoutFlag: every run is bounded, by the form's default or by
// -timeout, and a negative bound is refused.
func TestTimeoutFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    time.Duration
		wantErr bool
	}{
		{nil, 15 * time.Minute, false},
		{[]string{"-short"}, 6 * time.Minute, false},
		{[]string{"-short", "-timeout", "90s"}, 90 * time.Second, false},
		{[]string{"-timeout", "-1s"}, 0, true},
	}
	for _, tt := range tests {
		o, err := parseFlags(tt.args, nil)
		if (err != nil) != tt.wantErr || err == nil && o.timeout != tt.want {
			t.Errorf("%v: timeout %v, error %v; want %v, error %v", tt.args, o.timeout, err, tt.want, tt.wantErr)
		}
	}
}

// TestNginxDown: a web the endpoints watcher took out is listed with
// `down`, and nginx answers the configuration's generation.
func TestNginxDown(t *testing.T) {
	t.Parallel()
	conf := nginxConfig{prefix: "/tmp/x", port: 8080, upstreams: []int{3001, 3002}, down: map[int]bool{3002: true}, generation: 7}.render()
	for _, want := range []string{
		"server 127.0.0.1:3001 max_fails=0;",
		"server 127.0.0.1:3002 max_fails=0 down;",
		"location = " + generationPath + " {",
		`return 200 "7\n";`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
}

func TestClassifyReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   readiness
	}{
		{"ready", 200, `{"status":"ready"}`, readyUp},
		{"shutting down", 503, `{"status":"not ready","reason":"shutting down"}`, readyStopping},
		{"backing outage", 503, `{"status":"not ready","reason":"storage unavailable"}`, readyOther},
		{"not json", 503, `<html>`, readyOther},
		{"other status", 502, `{"reason":"shutting down"}`, readyOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classifyReady(tt.status, []byte(tt.body)); got != tt.want {
				t.Errorf("classifyReady(%d, %s) = %v, want %v", tt.status, tt.body, got, tt.want)
			}
		})
	}
}

// TestEndpointsDecide: a web goes out on "shutting down" at once, or
// after unreachableAfter polls without an answer, comes back on 200, and
// stays as it was on any other answer (a backing outage).
func TestEndpointsDecide(t *testing.T) {
	t.Parallel()
	s := &suite{out: io.Discard, stack: &stack{webs: []*ferryProc{{name: "web-a", port: 1}, {name: "web-b", port: 2}}}}
	e := &endpoints{s: s, down: map[int]bool{}, changed: make(chan struct{}), fails: map[int]int{}}
	steps := []struct {
		a, b     readiness
		wantDown map[int]bool
		changed  bool
	}{
		{readyUp, readyUp, map[int]bool{1: false, 2: false}, false},
		{readyOther, readyOther, map[int]bool{1: false, 2: false}, false},
		{readyStopping, readyUp, map[int]bool{1: true, 2: false}, true},
		{readyUnreachable, readyUnreachable, map[int]bool{1: true, 2: false}, false},
		{readyUp, readyUnreachable, map[int]bool{1: false, 2: true}, true},
		{readyUp, readyOther, map[int]bool{1: false, 2: true}, false},
		{readyUp, readyUp, map[int]bool{1: false, 2: false}, true},
	}
	for i, st := range steps {
		next, changed := e.decide(map[int]readiness{1: st.a, 2: st.b})
		if changed != st.changed || !maps.Equal(next, st.wantDown) {
			t.Fatalf("step %d (%v, %v): down %v changed %v, want %v %v", i, st.a, st.b, next, changed, st.wantDown, st.changed)
		}
		if changed {
			e.apply(next)
		}
	}
	if e.reloadCount() != 3 {
		t.Errorf("%d reloads, want 3", e.reloadCount())
	}
}

// TestCanResend: a random body sent again is the same bytes, hashed
// afresh; a body that cannot be replayed is not marked for resending.
func TestCanResend(t *testing.T) {
	body := randomBody(rand.New(rand.NewPCG(1, 2)), 5000)
	h := &hashingReader{r: body, h: newHash()}
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1/x", h)
	canResend(req, body, h)
	first, _ := io.ReadAll(h)
	sum := h.sum()
	again, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	second, _ := io.ReadAll(again)
	if !bytes.Equal(first, second) || len(first) != 5000 || h.sum() != sum {
		t.Errorf("replayed %d bytes (first %d), hash %s then %s", len(second), len(first), sum, h.sum())
	}
	if req.Header.Get("Idempotency-Key") == "" {
		t.Error("no Idempotency-Key: Go's client would not resend a PUT")
	}
	plain, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1/x", strings.NewReader("x"))
	plain.GetBody = nil
	canResend(plain, strings.NewReader("x"), nil)
	if plain.GetBody != nil || plain.Header.Get("Idempotency-Key") != "" {
		t.Error("a body that cannot be replayed was marked for resending")
	}
}
