package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// The helpers here are a small tus 1.0.0 client in Go for the black-box
// tests of /api/v1/uploads, and the files they upload.

// uploadBody is GET /api/v1/uploads/{id} as the tests read it.
type uploadBody struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	File   *struct {
		ID     string    `json:"id"`
		Size   int64     `json:"size"`
		SHA256 string    `json:"sha256"`
		Share  shareBody `json:"share"`
	} `json:"file"`
}

// seededFile writes size bytes of a seeded pseudo-random stream to a new
// file in dir, a buffer at a time, so a 1 GiB file never sits in memory;
// it returns the path and the SHA-256 in hex.
func seededFile(t *testing.T, dir string, size int64, seed uint64) (string, string) {
	t.Helper()
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	path := filepath.Join(dir, fmt.Sprintf("seed-%d.bin", seed))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8(key), size); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

// tusClient speaks tus to one server (a ferry web or a proxy before it).
type tusClient struct {
	base, token string
	http        *http.Client
}

func newTusClient(base, token string) *tusClient {
	// No overall timeout: a 50 MiB PATCH on a slow machine may take a
	// while; each test bounds its own waiting.
	return &tusClient{base: base, token: token, http: &http.Client{}}
}

func (c *tusClient) do(t *testing.T, method, target string, body io.Reader, n int64, headers ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = n
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res, nil
}

// create starts an upload of length bytes named name and returns its
// absolute URL (Ferry answers a path; tus clients resolve it).
func (c *tusClient) create(t *testing.T, name string, length int64) string {
	t.Helper()
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte(name))
	res, err := c.do(t, "POST", c.base+"/api/v1/uploads", nil, 0, "Upload-Length", strconv.FormatInt(length, 10), "Upload-Metadata", meta)
	if err != nil {
		t.Fatalf("create upload: %v", err)
	}
	if res.StatusCode != 201 {
		t.Fatalf("create upload: %d", res.StatusCode)
	}
	loc, err := url.Parse(c.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := loc.Parse(res.Header.Get("Location"))
	if err != nil || !strings.Contains(ref.Path, "/api/v1/uploads/") {
		t.Fatalf("create upload: Location %q: %v", res.Header.Get("Location"), err)
	}
	return ref.String()
}

// patch sends n bytes of body at offset; the answer's status and new
// offset, or the transport's error.
func (c *tusClient) patch(t *testing.T, upload string, offset int64, body io.Reader, n int64) (int, int64, error) {
	t.Helper()
	res, err := c.do(t, "PATCH", upload, body, n, "Upload-Offset", strconv.FormatInt(offset, 10), "Content-Type", "application/offset+octet-stream")
	if err != nil {
		return 0, 0, err
	}
	got, _ := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	return res.StatusCode, got, nil
}

// head asks the server how far an upload is: status and Upload-Offset.
func (c *tusClient) head(t *testing.T, upload string) (int, int64) {
	t.Helper()
	res, err := c.do(t, "HEAD", upload, nil, 0)
	if err != nil {
		t.Fatalf("HEAD %s: %v", upload, err)
	}
	got, _ := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	return res.StatusCode, got
}

// sendFile PATCHes path from offset to its end in chunks of chunk bytes,
// failing the test on any answer but 204.
func (c *tusClient) sendFile(t *testing.T, upload, path string, offset, chunk int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	for offset < st.Size() {
		n := min(chunk, st.Size()-offset)
		code, next, err := c.patch(t, upload, offset, io.NewSectionReader(f, offset, n), n)
		if err != nil || code != 204 || next != offset+n {
			t.Fatalf("PATCH at %d of %d bytes: %d, offset %d, %v", offset, n, code, next, err)
		}
		offset = next
	}
}

// status reads GET /api/v1/uploads/{id} as JSON.
func (c *tusClient) status(t *testing.T, upload string) (int, uploadBody) {
	t.Helper()
	req, err := http.NewRequest("GET", upload, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", upload, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var body uploadBody
	if res.StatusCode == 200 {
		body = decode[uploadBody](t, "upload status", b)
	}
	if body.File != nil {
		// The share link's token is a secret no process output may hold.
		if parts := strings.Split(body.File.Share.DownloadURL, "/s/"); len(parts) == 2 {
			suite.Secret("share token", strings.Split(parts[1], "/")[0])
		}
	}
	return res.StatusCode, body
}

// downloadSHA256 downloads link as a stream and returns its SHA-256 in hex.
func downloadSHA256(t *testing.T, link string) string {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("download: %d", res.StatusCode)
	}
	h := sha256.New()
	if _, err := io.Copy(h, res.Body); err != nil {
		t.Fatalf("download: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// wantFile checks upload became a file whose stored digest and whose
// downloaded bytes are both sum.
func (c *tusClient) wantFile(t *testing.T, upload, sum string) {
	t.Helper()
	code, st := c.status(t, upload)
	if code != 200 || st.File == nil {
		t.Fatalf("upload status: %d %+v, want a file", code, st)
	}
	if st.File.SHA256 != sum {
		t.Errorf("file's sha256 %s, want %s", st.File.SHA256, sum)
	}
	if got := downloadSHA256(t, st.File.Share.DownloadURL); got != sum {
		t.Errorf("downloaded sha256 %s, want %s", got, sum)
	}
}

// replaceEnv returns env with each KEY=value of set in place of KEY's entry.
func replaceEnv(env []string, set ...string) []string {
	out := append([]string{}, env...)
	for _, kv := range set {
		key, _, _ := strings.Cut(kv, "=")
		found := false
		for i, e := range out {
			if strings.HasPrefix(e, key+"=") {
				out[i], found = kv, true
			}
		}
		if !found {
			out = append(out, kv)
		}
	}
	return out
}

// startTusWeb starts one ferry web over blobURL with extra settings and
// returns it, its env, its base URL and a token of its one user.
func startTusWeb(t *testing.T, blobURL string, extra ...string) (*proc, []string, string, string) {
	t.Helper()
	env, base := webEnv(t, dbtest.URL(t))
	env = replaceEnv(env, append([]string{"BLOB_URL=" + blobURL, "LOG_LEVEL=info"}, extra...)...)
	token := adminToken(t, env)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	return web, env, base, token
}

// cutProxy forwards TCP to a server until limit bytes have gone from
// clients to it, then resets both sides of the connection that crossed
// the limit: a connection killed in the middle of a request body, as a
// dropped network or a crashed client leaves it. Later connections pass.
type cutProxy struct {
	addr  string
	left  atomic.Int64
	cut   chan struct{} // closed once the cut happened
	once  sync.Once
	ln    net.Listener
	conns sync.WaitGroup
}

func startCutProxy(t *testing.T, target string, limit int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{addr: ln.Addr().String(), cut: make(chan struct{}), ln: ln}
	p.left.Store(limit)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			go p.serve(c, target)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); p.conns.Wait() })
	return p
}

func (p *cutProxy) serve(client net.Conn, target string) {
	defer p.conns.Done()
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			left := p.left.Add(-int64(n)) + int64(n) // before this read
			if left > 0 && left <= int64(n) {
				_, _ = server.Write(buf[:left])
				// A reset, not a FIN: the peer sees the connection die.
				_ = client.(*net.TCPConn).SetLinger(0)
				_ = server.(*net.TCPConn).SetLinger(0)
				p.once.Do(func() { close(p.cut) })
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// peakRSS is a running process's peak resident memory (Linux's VmHWM),
// or "" where /proc does not tell it.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
