package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/get"
	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestGetBlackBox drives `ferry get` against a real `ferry web`: a share
// link with one file saves it under its served name, one with several
// saves the zip, an existing file is kept without --force, a password,
// an unknown link and a spent share each exit 1 with a plain message,
// and a download cut short, within a run or across runs, resumes from
// the .part without costing a second download of a max_downloads=1 share.
func TestGetBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	dbURL := dbtest.URL(t)
	env, base := webEnv(t, dbURL)
	token := adminToken(t, env)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	client := baseEnv("XDG_CACHE_HOME=" + t.TempDir())

	t.Run("one file, then an existing name", func(t *testing.T) {
		f, sum := putFile(t, base, token, "report.bin", 2<<20+3, "", "")
		dir := t.TempDir()
		code, out, errOut := run(t, client, "", "get", "-o", dir, f.Share.URL)
		saved := filepath.Join(dir, "report.bin")
		if code != 0 || lastLine(out) != saved || fileSum(t, saved) != sum {
			t.Fatalf("exit %d, stdout %q, stderr %s; want %s with SHA-256 %s", code, out, errOut, saved, sum)
		}
		if !strings.Contains(errOut, "saved "+saved) {
			t.Errorf("no progress line on stderr: %q", errOut)
		}
		if err := os.WriteFile(saved, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = run(t, client, "", "get", f.Share.DownloadURL, "-o", dir)
		if b, _ := os.ReadFile(saved); code != 1 || !strings.Contains(errOut, "exists; pass --force") || string(b) != "mine" {
			t.Errorf("without --force: exit %d, stderr %q, file %q; want 1 and the file kept", code, errOut, b)
		}
		code, _, errOut = run(t, client, "", "get", "--force", "-o", saved, f.Share.DownloadURL)
		if code != 0 || fileSum(t, saved) != sum {
			t.Errorf("with --force: exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("several files save the zip", func(t *testing.T) {
		a, _ := putFile(t, base, token, "a.txt", 1000, "", "")
		b, _ := putFile(t, base, token, "b.txt", 0, "", "")
		link := shareOf(t, base, token, a.ID, b.ID)
		dir := t.TempDir()
		code, out, errOut := run(t, client, "", "get", "-o", dir+"/", link)
		if code != 0 || !strings.HasSuffix(lastLine(out), ".zip") {
			t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
		}
		z, err := zip.OpenReader(lastLine(out))
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"a.txt", "b.txt"}) {
			t.Errorf("zip holds %v", names)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		locked, _ := putFile(t, base, token, "locked.bin", 10, "open sesame", "")
		spent, _ := putFile(t, base, token, "spent.bin", 10, "", "1")
		download(t, spent.Share.DownloadURL, "")
		tests := []struct {
			name, stdin string
			args        []string
			wantCode    int
			want        string
		}{
			{"no password", "", []string{locked.Share.URL}, 1, "needs a password: give it on stdin with --password-stdin (401)"},
			{"wrong password", "guess\n", []string{"--password-stdin", locked.Share.URL}, 1, "wrong password for the share (401)"},
			{"right password", "open sesame\n", []string{"--password-stdin", "-o", t.TempDir(), locked.Share.URL}, 0, "locked.bin"},
			{"unknown share", "", []string{base + "/s/nosuchshare"}, 1, "no such share or file"},
			{"spent share", "", []string{spent.Share.DownloadURL}, 1, "expired or its downloads are used up (410)"},
			{"not a link", "", []string{base + "/api/v1/files"}, 2, "is not a share link"},
			{"no link", "", nil, 2, "name one share link"},
			{"help", "", []string{"--help"}, 0, "--password-stdin"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := run(t, client, tt.stdin, append([]string{"get"}, tt.args...)...)
				if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
					t.Errorf("exit %d, want %d with %q; output:\n%s%s", code, tt.wantCode, tt.want, out, errOut)
				}
			})
		}
	})

	// 48 MiB: the server may count a few MiB in socket buffers as sent when
	// the client hangs up; the resume slack (a quarter) covers them.
	const size, cut = 48 << 20, 20 << 20
	t.Run("a download cut short resumes on the next run for one download", func(t *testing.T) {
		f, sum := putFile(t, base, token, "once.bin", size, "", "1")
		dir, state := t.TempDir(), t.TempDir()
		o := get.Options{Output: dir, Retries: 1, StateDir: state, HTTP: &http.Client{Transport: &cutResponses{left: cut}}}
		if err := get.Link(context.Background(), o, f.Share.URL, io.Discard); err == nil {
			t.Fatal("the first run succeeded through a dead network")
		}
		part := filepath.Join(dir, "once.bin.part")
		if fi, err := os.Stat(part); err != nil || fi.Size() != cut {
			t.Fatalf("after the cut: %v %v, want a .part of %d bytes", fi, err, cut)
		}
		// The next run is a new process, seconds later for a person: by then
		// the server has seen the cut and taken back what it did not send.
		st := &jobStack{dbURL: dbURL}
		eventually(t, "the refund of the cut-off bytes", 10*time.Second, func() bool {
			return st.query(t, "SELECT count(*) FROM share_files WHERE file_id = $1 AND bytes_served < $2", f.ID, size) == 1
		})
		counted := &countResponses{}
		o.HTTP = &http.Client{Transport: counted}
		var out bytes.Buffer
		if err := get.Link(context.Background(), o, f.Share.URL, &out); err != nil {
			t.Fatalf("second run: %v", err)
		}
		ranges, got := counted.result()
		saved := filepath.Join(dir, "once.bin")
		if !slices.Equal(ranges, []string{"bytes=20971520-"}) || got != size-cut || fileSum(t, saved) != sum || lastLine(out.String()) != saved {
			t.Errorf("second run asked %v, got %d bytes, printed %q; want one range from %d and %d bytes", ranges, got, out.String(), cut, size-cut)
		}
		if _, err := os.Stat(part); err == nil {
			t.Error("the .part is left")
		}
		wantSpent(t, f)
	})

	t.Run("a download cut short resumes within the run for one download", func(t *testing.T) {
		f, sum := putFile(t, base, token, "flaky.bin", size, "", "1")
		var log, out bytes.Buffer
		o := get.Options{Output: t.TempDir(), Backoff: 300 * time.Millisecond, StateDir: t.TempDir(), Stderr: &log,
			HTTP: &http.Client{Transport: &cutResponses{left: cut, heal: true}}}
		if err := get.Link(context.Background(), o, f.Share.DownloadURL, &out); err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if fileSum(t, lastLine(out.String())) != sum || !strings.Contains(log.String(), "resuming at 20.0 MiB") {
			t.Errorf("saved %q; stderr:\n%s", out.String(), log.String())
		}
		wantSpent(t, f)
	})
}

// wantSpent checks that a max_downloads=1 share has given its one download.
func wantSpent(t *testing.T, f sentFile) {
	t.Helper()
	if res, _ := request(t, "GET", f.Share.DownloadURL, "", nil); res.StatusCode != http.StatusGone {
		t.Errorf("a second download after the resumed one: %d, want 410", res.StatusCode)
	}
}

// putFile uploads size random bytes as name with curl's PUT, with a
// share password and max_downloads when given, and returns the file.
func putFile(t *testing.T, base, token, name string, size int, password, maxDownloads string) (sentFile, string) {
	t.Helper()
	path, sum := randomFile(t, name, size)
	body, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	u := base + "/api/v1/files/" + name
	if maxDownloads != "" {
		u += "?max_downloads=" + maxDownloads
	}
	req, _ := http.NewRequest("PUT", u, body)
	req.ContentLength = int64(size)
	req.Header.Set("Authorization", "Bearer "+token)
	if password != "" {
		req.Header.Set("Ferry-Share-Password", password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %d %s", name, res.StatusCode, b)
	}
	return decode[sentFile](t, "file", b), sum
}

// shareOf makes one share of the files and returns its link.
func shareOf(t *testing.T, base, token string, ids ...string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"file_ids": ids})
	res, body := request(t, "POST", base+"/api/v1/shares", token, bytes.NewReader(b))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/shares: %d %s", res.StatusCode, body)
	}
	return decode[shareBody](t, "share", body).URL
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// cutResponses is a network that carries left bytes of file bodies, then
// breaks the response it is in and every later request, or, with heal,
// carries everything after the break.
type cutResponses struct {
	mu   sync.Mutex
	left int64
	heal bool
	cut  bool
}

func (c *cutResponses) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	down := c.cut && !c.heal
	c.mu.Unlock()
	if down {
		return nil, errCut
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/files/") {
		res.Body = &cutResponse{ReadCloser: res.Body, c: c}
	}
	return res, err
}

type cutResponse struct {
	io.ReadCloser
	c *cutResponses
}

func (b *cutResponse) Read(p []byte) (int, error) {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if b.c.cut && b.c.heal {
		return b.ReadCloser.Read(p)
	}
	if b.c.left <= 0 {
		b.c.cut = true
		return 0, errCut
	}
	if int64(len(p)) > b.c.left {
		p = p[:b.c.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.c.left -= int64(n)
	return n, err
}

// countResponses is the network, keeping the Range of each GET of a file
// and counting the file bytes that came.
type countResponses struct {
	mu     sync.Mutex
	ranges []string
	got    int64
}

func (c *countResponses) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/files/") {
		c.mu.Lock()
		c.ranges = append(c.ranges, req.Header.Get("Range"))
		c.mu.Unlock()
		res.Body = &countedBody{ReadCloser: res.Body, c: c}
	}
	return res, err
}

func (c *countResponses) result() ([]string, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ranges), c.got
}

type countedBody struct {
	io.ReadCloser
	c *countResponses
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.got += int64(n)
	b.c.mu.Unlock()
	return n, err
}
