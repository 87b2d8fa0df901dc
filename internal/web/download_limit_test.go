package web

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rangeAttacks are ways to ask for a file's bytes that must not, together
// or in any order, get more than the share's download limit of copies.
var rangeAttacks = [][]string{ // each: header pairs of one request
	{"Range", "bytes=1-"},
	{"Range", "bytes=0-0"},
	{"Range", "bytes=-100"},
	{"Range", "bytes=0-"},
	{"Range", "bytes= 0-"},
	{"Range", "BYTES=0-"},
	{"Range", "bytes=00-"},
	{"Range", "bytes=0-,1-"},
	{"Range", "bytes=1-2,0-0"},
	{"Range", "bytes=0-99999999"},
	{"Range", "bytes=500-"},
	{"Range", "bytes=0-499"},
	{"Range", "bytes=999-999"},
	{"Range", "bytes=x-y"},
	{"Range", "items=0-"},
	{"Range", "bytes=1-", "If-Range", `"not-the-etag"`},
	{"Range", "bytes=1-", "If-None-Match", `"not-the-etag"`},
	{"If-None-Match", `"not-the-etag"`},
	{},
}

// TestDownloadLimitHoldsAgainstRanges: a share of a 1000-byte file
// allowing one download, attacked with every spelling above in several
// orders, serves at most one copy and the resume slack (a quarter) in
// all: never a second whole copy. A HEAD or a 416 costs nothing.
func TestDownloadLimitHoldsAgainstRanges(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	content := make([]byte, 1000)
	_, _ = rand.Read(content)
	orders := map[string][][]string{
		"as listed": rangeAttacks,
		"reversed":  reversed(rangeAttacks),
		"heads first": append([][]string{{"HEAD"}, {"HEAD", "Range", "bytes=0-"}, {"Range", "bytes=2000-"}},
			rangeAttacks...),
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			file := st.upload(t, "secret.bin", content, "?max_downloads=1")
			link := st.url + pathOf(t, shareOf(file)["download_url"].(string))
			served := 0
			for _, h := range order {
				method := "GET"
				if len(h) > 0 && h[0] == "HEAD" {
					method, h = "HEAD", h[1:]
				}
				req, _ := http.NewRequest(method, link, nil)
				for i := 0; i+1 < len(h); i += 2 {
					req.Header.Add(h[i], h[i+1])
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusPartialContent {
					served += len(body)
				} else if res.StatusCode >= 500 {
					t.Errorf("%s %v: %d", method, h, res.StatusCode)
				}
			}
			if served > len(content)+len(content)/4 {
				t.Errorf("served %d bytes of a %d-byte file limited to one download", served, len(content))
			}
			t.Logf("%d requests served %d bytes: %.2f copies", len(order), served, float64(served)/float64(len(content)))
			if served < len(content)/2 {
				t.Errorf("served only %d bytes: the first requests should have been served", served)
			}
		})
	}
}

func reversed(in [][]string) [][]string {
	out := make([][]string, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

// TestResumeCostsOneDownload: a download of a one-download share cut
// short is resumed the way curl -C - does it, gets the whole file, and
// then the share is spent.
func TestResumeCostsOneDownload(t *testing.T) {
	t.Parallel()
	// 40 MB, far more than the socket buffers can hold, in a local
	// folder store, since the in-process S3 server keeps objects in memory.
	st := newStackOn(t, "file://"+t.TempDir(), func(s *Settings) { s.MaxUploadSize = 64 << 20 })
	content := bytes.Repeat([]byte("0123456789"), 4_000_000)
	file := st.upload(t, "big.bin", content, "?max_downloads=1")
	link := st.url + pathOf(t, shareOf(file)["download_url"].(string))

	got := cutShort(t, link, 4096)
	// The server learns of the hang-up when its next write fails, and only
	// then gives back what it did not send; a client retrying at once may
	// come before that, as curl -C - run by hand would not.
	waitUntil(t, func() bool {
		var served int64
		_ = st.services.DB.QueryRow(t.Context(), `SELECT sf.bytes_served FROM share_files sf JOIN shares s ON s.id = sf.share_id WHERE s.token = $1`, tokenOf(t, link)).Scan(&served)
		return served < int64(len(content))
	})
	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", len(got)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(append(got, rest...), content) {
		t.Fatalf("resume from %d: %d, %d bytes; the pieces do not make the file", len(got), res.StatusCode, len(rest))
	}
	if res, _ := st.call(t, "GET", pathOf(t, link), "", nil); res.StatusCode != http.StatusGone {
		t.Errorf("a third request after a whole resumed download: %d, want 410", res.StatusCode)
	}
	var downloads int
	_ = st.services.DB.QueryRow(t.Context(), "SELECT downloads FROM shares WHERE token = $1", tokenOf(t, link)).Scan(&downloads)
	if downloads != 1 {
		t.Errorf("downloads = %d, want 1", downloads)
	}
}

// cutShort starts a GET of link and hangs up after reading about n bytes
// of the body, as a dropped connection would; it returns what it read.
func cutShort(t *testing.T, link string, n int) []byte {
	t.Helper()
	u, _ := url.Parse(link)
	// A receive buffer of a usual size: loopback lets it grow to 32 MiB,
	// all of it bytes the server counts as sent and the client never read.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 256<<10) })
	}}
	conn, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", u.Path, u.Host)
	buf := make([]byte, 64<<10)
	var raw []byte
	for len(raw) < n+2048 {
		k, err := conn.Read(buf)
		raw = append(raw, buf[:k]...)
		if err != nil {
			break
		}
	}
	_, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no response head in %q", raw)
	}
	var wg sync.WaitGroup
	_ = conn.(*net.TCPConn).SetLinger(0)
	_ = conn.Close()
	wg.Wait()
	return body
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, rest, _ := strings.Cut(link, "/s/")
	token, _, _ := strings.Cut(rest, "/")
	return token
}

// waitUntil polls cond until it holds, for at most ten seconds.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
