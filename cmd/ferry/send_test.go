package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/send"
	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestSendBlackBox drives `ferry send` against a real `ferry web` with tus
// on (file:// storage): a file sent prints its link and downloads with its
// SHA-256, several files print one link, an upload cut off mid-PATCH
// resumes from the server's offset on the next run and sends only the
// rest, and bad input exits non-zero with a message.
func TestSendBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	env, base := webEnv(t, dbtest.URL(t))
	token := adminToken(t, env)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	cache := t.TempDir()
	client := baseEnv("FERRY_URL="+base, "FERRY_TOKEN="+token, "XDG_CACHE_HOME="+cache)

	t.Run("one file", func(t *testing.T) {
		path, sum := randomFile(t, "report.bin", 3<<20+17)
		code, out, errOut := run(t, client, "open sesame\n", "send", "--max-downloads", "2", "--password-stdin", "--expires", "2d", path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		link := lastLine(out)
		f := fileNamed(t, base, token, "report.bin")
		if link != f.Share.URL || f.SHA256 != sum {
			t.Errorf("printed %q, sha256 %s; the server has %q, %s", link, sum, f.Share.URL, f.SHA256)
		}
		if got := download(t, link+"/files/"+f.ID, "open sesame"); got != sum {
			t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
		}
		if res, _ := request(t, "GET", link+"/files/"+f.ID, "", nil); res.StatusCode == http.StatusOK {
			t.Error("the share's password is not asked for")
		}
		if left, _ := filepath.Glob(filepath.Join(cache, "ferry", "uploads", "*")); len(left) != 0 {
			t.Errorf("state left after a finished upload: %v", left)
		}
		if !strings.Contains(errOut, "sent "+path) {
			t.Errorf("no progress line on stderr: %q", errOut)
		}
	})

	t.Run("--qr draws the link on stderr", func(t *testing.T) {
		path, _ := randomFile(t, "qr.txt", 100)
		code, out, errOut := run(t, client, "", "send", "--qr", path)
		if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.HasPrefix(out, base+"/s/") {
			t.Fatalf("exit %d, stdout %q; want the link alone", code, out)
		}
		// stderr is a pipe here: no colours, the half blocks alone.
		if !strings.Contains(errOut, "▀") || !strings.Contains(errOut, "█") || strings.Contains(errOut, "\x1b[") {
			t.Errorf("no plain QR code on stderr: %q", errOut)
		}
	})

	t.Run("several files", func(t *testing.T) {
		a, _ := randomFile(t, "a.txt", 1000)
		b, _ := randomFile(t, "b.txt", 0)
		code, out, errOut := run(t, client, "", "send", a, b)
		if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.HasPrefix(lastLine(out), base+"/s/") {
			t.Fatalf("exit %d, stdout %q, stderr %s; want one share link", code, out, errOut)
		}
		res, body := request(t, "GET", base+"/api/v1/shares", token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("list shares: %d %s", res.StatusCode, body)
		}
		var both []string
		for _, sh := range decode[struct {
			Shares []struct {
				URL     string   `json:"url"`
				FileIDs []string `json:"file_ids"`
			}
		}](t, "shares", body).Shares {
			if sh.URL == lastLine(out) {
				both = sh.FileIDs
			}
		}
		want := []string{fileNamed(t, base, token, "a.txt").ID, fileNamed(t, base, token, "b.txt").ID}
		slices.Sort(both)
		slices.Sort(want)
		if !slices.Equal(both, want) {
			t.Errorf("the printed link shares %v, want both files %v", both, want)
		}
	})

	t.Run("a folder keeps its structure", func(t *testing.T) {
		root := t.TempDir()
		want := map[string]string{"album/a.txt": "alpha", "album/2024/b.txt": "bravo", "album/2024/deep/c.txt": "charlie"}
		for p, body := range want {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, out, errOut := run(t, client, "", "send", filepath.Join(root, "album"))
		if code != 0 || !strings.HasPrefix(lastLine(out), base+"/s/") {
			t.Fatalf("exit %d, stdout %q, stderr %s; want one share link", code, out, errOut)
		}
		res, body := request(t, "GET", lastLine(out)+"/zip", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("zip: %d", res.StatusCode)
		}
		if got := testkit.ZipEntries(t, body); !maps.Equal(got, want) {
			t.Errorf("the zip holds %v, want %v", got, want)
		}
	})

	t.Run("interrupted upload resumes", func(t *testing.T) {
		const size, chunk = 4<<20 + 5, 1 << 20
		path, sum := randomFile(t, "big.bin", size)
		state := t.TempDir()
		var log bytes.Buffer
		opts := send.Options{URL: base, Token: token, ChunkSize: chunk, Retries: 2, Backoff: 10 * time.Millisecond, StateDir: state, Stderr: &log}
		// The network goes away 1.5 chunks into the upload, for good.
		opts.HTTP = &http.Client{Transport: &cutAfter{left: chunk + chunk/2}}
		if err := send.Files(context.Background(), opts, []string{path}, io.Discard); err == nil {
			t.Fatal("the first run succeeded through a dead network")
		}
		if left, _ := filepath.Glob(filepath.Join(state, "*.json")); len(left) != 1 {
			t.Fatalf("state after the cut: %v, want one file", left)
		}
		counted := &counting{}
		opts.HTTP = &http.Client{Transport: counted}
		var out bytes.Buffer
		if err := send.Files(context.Background(), opts, []string{path}, &out); err != nil {
			t.Fatalf("second run: %v\n%s", err, log.String())
		}
		from, sent := counted.result()
		t.Logf("second run resumed at %d of %d and sent %d bytes", from, size, sent)
		if from < chunk || sent != size-from {
			t.Errorf("second run resumed at %d and sent %d bytes; want at least %d and %d", from, sent, chunk, size-from)
		}
		f := fileNamed(t, base, token, "big.bin")
		if lastLine(out.String()) != f.Share.URL || f.SHA256 != sum || download(t, f.Share.DownloadURL, "") != sum {
			t.Errorf("printed %q, server %q, sha256 %s want %s", out.String(), f.Share.URL, f.SHA256, sum)
		}
	})

	t.Run("a cut mid-PATCH is retried within the run", func(t *testing.T) {
		const size, chunk = 3<<20 + 1, 1 << 20
		path, sum := randomFile(t, "flaky.bin", size)
		var log, out bytes.Buffer
		opts := send.Options{URL: base, Token: token, ChunkSize: chunk, Backoff: 10 * time.Millisecond, StateDir: t.TempDir(), Stderr: &log,
			HTTP: &http.Client{Transport: &cutAfter{left: chunk + chunk/2, heal: true}}}
		if err := send.Files(context.Background(), opts, []string{path}, &out); err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		f := fileNamed(t, base, token, "flaky.bin")
		if lastLine(out.String()) != f.Share.URL || f.SHA256 != sum || !strings.Contains(log.String(), "retrying") {
			t.Errorf("printed %q, server %q, sha256 %s want %s; stderr:\n%s", out.String(), f.Share.URL, f.SHA256, sum, log.String())
		}
	})

	t.Run("bad input", func(t *testing.T) {
		some, _ := randomFile(t, "some.txt", 10)
		tests := []struct {
			name     string
			env      []string
			args     []string
			wantCode int
			want     string
		}{
			{"no server", baseEnv("FERRY_TOKEN=" + token), []string{"send", "x"}, 2, "FERRY_URL"},
			{"no token", baseEnv("FERRY_URL=" + base), []string{"send", "x"}, 2, "FERRY_TOKEN"},
			{"no file", client, []string{"send"}, 2, "at least one file"},
			{"unknown flag", client, []string{"send", "--bogus", "x"}, 2, `unknown argument "--bogus"`},
			{"unreadable file", client, []string{"send", filepath.Join(t.TempDir(), "missing")}, 1, "cannot read"},
			{"bad token", baseEnv("FERRY_URL="+base, "FERRY_TOKEN=ferry_nope", "XDG_CACHE_HOME="+cache), []string{"send", some}, 1, "401"},
			{"help", client, []string{"send", "--help"}, 0, "FERRY_TOKEN"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := run(t, tt.env, "", tt.args...)
				if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
					t.Errorf("exit %d, want %d with %q; output:\n%s%s", code, tt.wantCode, tt.want, out, errOut)
				}
			})
		}
	})
}

// randomFile writes size random bytes to a file named name and returns
// its path and hex SHA-256.
func randomFile(t *testing.T, name string, size int) (string, string) {
	t.Helper()
	b := make([]byte, size)
	_, _ = rand.Read(b)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return path, hex.EncodeToString(sum[:])
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// sentFile is what the tests read of a file in GET /api/v1/files.
type sentFile struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	SHA256 string    `json:"sha256"`
	Share  shareBody `json:"share"`
}

// fileNamed finds the token's newest file named name.
func fileNamed(t *testing.T, base, token, name string) sentFile {
	t.Helper()
	res, body := request(t, "GET", base+"/api/v1/files", token, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("list files: %d %s", res.StatusCode, body)
	}
	for _, f := range decode[struct{ Files []sentFile }](t, "files", body).Files {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no file named %s in %s", name, body)
	return sentFile{}
}

// download fetches url and returns the hex SHA-256 of what came.
func download(t *testing.T, url, password string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if password != "" {
		req.Header.Set("Ferry-Share-Password", password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, res.Body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %d %v", url, res.StatusCode, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cutAfter is a network that carries left bytes of PATCH bodies, breaks
// in the middle of the PATCH that passes them, and carries nothing after,
// or, with heal, everything after.
type cutAfter struct {
	mu   sync.Mutex
	left int64
	heal bool
}

var errCut = errors.New("network cut by the test")

func (c *cutAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	down := c.left <= 0
	c.mu.Unlock()
	if down {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errCut
	}
	if req.Method == http.MethodPatch {
		req = req.Clone(req.Context())
		req.Body = &cutBody{r: req.Body, c: c}
	}
	return http.DefaultTransport.RoundTrip(req)
}

type cutBody struct {
	r io.ReadCloser
	c *cutAfter
}

func (b *cutBody) Read(p []byte) (int, error) {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if b.c.left <= 0 {
		if b.c.heal {
			b.c.left = math.MaxInt64
		}
		return 0, errCut
	}
	if int64(len(p)) > b.c.left {
		p = p[:b.c.left]
	}
	n, err := b.r.Read(p)
	b.c.left -= int64(n)
	return n, err
}

func (b *cutBody) Close() error { return b.r.Close() }

// counting is the network, counting the PATCH bytes it carries and
// keeping the offset of the first PATCH.
type counting struct {
	mu    sync.Mutex
	first int64
	seen  bool
	sent  int64
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPatch {
		off, _ := strconv.ParseInt(req.Header.Get("Upload-Offset"), 10, 64)
		c.mu.Lock()
		if !c.seen {
			c.first, c.seen = off, true
		}
		c.sent += req.ContentLength
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (c *counting) result() (first, sent int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first, c.sent
}

// TestExpiredUploadEndedBlackBox: the clock schedules expire_uploads and
// the worker runs it: an upload cut off and then past its expiry loses
// its row and tusd's files, with no web process involved; a file already
// sent is untouched.
func TestExpiredUploadEndedBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	st := &jobStack{dbURL: dbtest.URL(t)}
	root := t.TempDir()
	st.env, st.base = webEnv(t, st.dbURL)
	st.env = append(st.env, "BLOB_URL=file://"+root, "SWEEP_INTERVAL=1s", "ORPHAN_GRACE=1s")
	st.token = adminToken(t, st.env)
	web := start(t, st.env, "web")
	waitFor(t, web, st.base+"/ready", 200, "", 20*time.Second)

	done, _ := randomFile(t, "kept.bin", 1000)
	cut, _ := randomFile(t, "cut.bin", 3<<20)
	opts := send.Options{URL: st.base, Token: st.token, ChunkSize: 1 << 20, Retries: 1, StateDir: t.TempDir()}
	if err := send.Files(context.Background(), opts, []string{done}, io.Discard); err != nil {
		t.Fatal(err)
	}
	opts.HTTP = &http.Client{Transport: &cutAfter{left: 1 << 20}}
	if err := send.Files(context.Background(), opts, []string{cut}, io.Discard); err == nil {
		t.Fatal("the upload went through a dead network")
	}
	tusFiles := func() []string {
		names, _ := filepath.Glob(filepath.Join(root, "uploads", "*"))
		return names
	}
	if n := st.query(t, "SELECT count(*) FROM uploads WHERE finished_at IS NULL"); n != 1 || len(tusFiles()) == 0 {
		t.Fatalf("%d unfinished rows and tusd files %v before the expiry; want 1 and some", n, tusFiles())
	}
	st.query(t, `WITH u AS (UPDATE uploads SET expires_at = now() - interval '1 hour' WHERE finished_at IS NULL RETURNING 1) SELECT count(*) FROM u`)

	st.startOps(t, st.env, "clock")
	st.startOps(t, st.env, "worker")
	eventually(t, "the expired upload's end", 30*time.Second, func() bool {
		return st.query(t, "SELECT count(*) FROM uploads WHERE finished_at IS NULL") == 0 && len(tusFiles()) == 0
	})
	f := fileNamed(t, st.base, st.token, "kept.bin")
	if res, _ := request(t, "GET", f.Share.DownloadURL, "", nil); res.StatusCode != http.StatusOK {
		t.Errorf("the finished file's download: %d", res.StatusCode)
	}
	// River marks a job completed in batches after it returns, so the
	// row may lag the work it did.
	eventually(t, "a completed expire_uploads job", 30*time.Second, func() bool {
		return st.query(t, "SELECT count(*) FROM river_job WHERE kind = 'expire_uploads' AND state = 'completed'") > 0
	})
}
