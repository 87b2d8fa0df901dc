package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/mailtest"
)

// The helpers here serve the black-box tests of the abuse rules
// (abuse_test.go): a stack that believes X-Forwarded-For from loopback, so
// one test can speak as many client addresses, and a tally of the bytes
// a download link served.

// abuseStack is web and a worker over Postgres, Redis, an S3 API server
// and an SMTP sink, with signup by mail on.
type abuseStack struct {
	env   []string
	base  string
	token string // op@example.com's, every scope
	mail  *mailtest.Sink
}

// signupTotal is SIGNUP_RATE_TOTAL in the stack: enough for the tests
// that sign up, few enough that one of them spends the rest.
const signupTotal = 40

func newAbuseStack(t *testing.T) *abuseStack {
	t.Helper()
	st := &abuseStack{}
	var smtpURL string
	st.mail, smtpURL = mailtest.Start(t)
	st.env, st.base = webEnv(t, dbtest.URL(t))
	st.env = append(st.env, "REDIS_URL="+privateRedis(t), "BLOB_URL="+blobtest.S3(t), "TRUSTED_PROXIES=127.0.0.1/32", "SIGNUP_ENABLED=true",
		"SIGNUP_RATE_CLIENT=5", "SIGNUP_RATE_TOTAL="+strconv.Itoa(signupTotal), "PUBLIC_URL="+st.base,
		"SMTP_URL="+smtpURL, "MAIL_FROM=Ferry <ferry@example.com>", "LOG_LEVEL=info")
	st.token = adminToken(t, st.env)
	web := start(t, st.env, "web")
	waitFor(t, web, st.base+"/ready", 200, "", 20*time.Second)
	port := freePort(t)
	worker := start(t, append(st.env, "METRICS_PORT="+strconv.Itoa(port)), "worker")
	waitFor(t, worker, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 20*time.Second)
	return st
}

// noRedirects shows a redirect as the answer it is.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// privateRedis starts a Redis for one test: web's rate-limit keys have
// a fixed prefix, and these tests spend limits that other runs and other
// tests on a shared server must not see, nor leave behind.
func privateRedis(t *testing.T) string {
	t.Helper()
	r, err := devstack.StartRedis(context.Background(), devstack.RedisOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r.URL()
}

// answer is one response as the tests read it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) code() string {
	var e errorBody
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Code
}

// call sends one request from client (an address the server takes from
// X-Forwarded-For), with headers given as name, value pairs.
func (st *abuseStack) call(t *testing.T, client, method, url string, body []byte, headers ...string) answer {
	t.Helper()
	if !strings.HasPrefix(url, "http") {
		url = st.base + url
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return answer{}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("%s %s: body: %v", method, url, err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func (st *abuseStack) postJSON(t *testing.T, client, url string, v any, headers ...string) answer {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return st.call(t, client, "POST", url, b, append([]string{"Content-Type", "application/json"}, headers...)...)
}

// upload stores content under a new share with query's options and
// returns its download URL.
func (st *abuseStack) upload(t *testing.T, name, query string, content []byte, headers ...string) string {
	t.Helper()
	a := st.call(t, "", "PUT", "/api/v1/files/"+name+query, content, append([]string{"Authorization", "Bearer " + st.token}, headers...)...)
	if a.status != 201 {
		t.Fatalf("upload %s: %d %s", name, a.status, a.body)
	}
	return decode[fileBody](t, "upload", a.body).Share.DownloadURL
}

// tally counts, for every byte of one file, how many times a link served
// it, and checks each served byte is the file's.
type tally struct {
	mu      sync.Mutex
	content []byte
	served  []int
	total   int64
	wrong   int
}

func newTally(content []byte) *tally {
	return &tally{content: content, served: make([]int, len(content))}
}

// add records what one response served: a whole 200, a 206 of one range
// (Content-Range) or of several (multipart/byteranges).
func (c *tally) add(t *testing.T, a answer) {
	t.Helper()
	switch a.status {
	case 200:
		c.part(0, a.body)
	case 206:
		mt, params, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
		if mt != "multipart/byteranges" {
			c.ranged(t, a.header.Get("Content-Range"), a.body)
			return
		}
		r := multipart.NewReader(bytes.NewReader(a.body), params["boundary"])
		for p, err := r.NextPart(); err == nil; p, err = r.NextPart() {
			b, _ := io.ReadAll(p)
			c.ranged(t, p.Header.Get("Content-Range"), b)
		}
	}
}

var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+)$`)

func (c *tally) ranged(t *testing.T, header string, b []byte) {
	t.Helper()
	m := contentRange.FindStringSubmatch(header)
	if m == nil {
		t.Errorf("206 with Content-Range %q", header)
		return
	}
	from, _ := strconv.Atoi(m[1])
	to, _ := strconv.Atoi(m[2])
	if to-from+1 != len(b) {
		t.Errorf("Content-Range %q with %d bytes", header, len(b))
	}
	c.part(from, b)
}

func (c *tally) part(from int, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(b))
	for i, x := range b {
		if from+i >= len(c.content) || c.content[from+i] != x {
			c.wrong++
			continue
		}
		c.served[from+i]++
	}
}

// copies is how many whole copies the served bytes make (the fewest
// times any one byte was served), and the bytes served over the size.
func (c *tally) copies() (whole int, ratio float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	whole = c.served[0]
	for _, n := range c.served {
		whole = min(whole, n)
	}
	return whole, float64(c.total) / float64(len(c.content))
}

// mailLink finds the sign-up link in the sink's mail to addr: the body is
// quoted-printable, so soft breaks and =3D are undone first.
func mailLink(all, addr string) string {
	plain := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(all)
	for _, msg := range strings.Split(plain, "\n----\n") {
		if !strings.Contains(msg, "To: <"+addr+">") && !strings.Contains(msg, "To: "+addr) {
			continue
		}
		if m := regexp.MustCompile(`/signup/confirm\?token=([A-Za-z0-9_-]{43})`).FindStringSubmatch(msg); m != nil {
			return m[1]
		}
	}
	return ""
}

// mailTo counts the sink's messages to addr whose text holds want.
func mailTo(all, addr, want string) int {
	n := 0
	for _, msg := range strings.Split(all, "\n----\n") {
		if (strings.Contains(msg, "To: <"+addr+">") || strings.Contains(msg, "To: "+addr)) && strings.Contains(msg, want) {
			n++
		}
	}
	return n
}
