package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestAbuseFigures measures, against real processes, the figures
// docs/operations.md reports for hostile load: web's peak RSS under 60
// parallel signups, a worker's under four decompression-heavy images, and
// how many trickling connections web still holds after a minute. It takes
// about two minutes, so it runs only when asked:
//
//	make abuse-figures   # FERRY_FIGURES=1 go test ./cmd/ferry -run TestAbuseFigures -v
//
// Build without -race (the make target does): the race detector's shadow
// memory would swell every RSS figure.
func TestAbuseFigures(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	if os.Getenv("FERRY_FIGURES") == "" {
		t.Skip("set FERRY_FIGURES=1 (make abuse-figures) to measure; it takes about two minutes")
	}
	if flags, _ := sameBuild(); strings.Contains(strings.Join(flags, " "), "-race") {
		t.Log("built with -race: the RSS figures are inflated")
	}
	t.Run("signups", signupRSS)
	t.Run("thumbnails", thumbnailRSS)
	t.Run("trickling", tricklingHeld)
}

// procStatus reads a field in kB (VmRSS, VmHWM) of /proc/pid/status, in MiB.
func procStatus(t *testing.T, pid int, field string) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if name, v, ok := strings.Cut(sc.Text(), ":"); ok && name == field {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// signupRSS: 60 signups at once to one web with the default HASH_MEMORY.
func signupRSS(t *testing.T) {
	env, base := webEnv(t, dbtest.URL(t))
	env = append(env, "REDIS_URL="+privateRedis(t), "SIGNUP_ENABLED=true", "SIGNUP_RATE_CLIENT=1000", "SIGNUP_RATE_TOTAL=1000", "LOG_LEVEL=warn")
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	pid := web.cmd.Process.Pid
	idle := procStatus(t, pid, "VmRSS")
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": "a long password " + strconv.Itoa(i)})
			res, err := http.Post(base+"/api/v1/signup", "application/json", bytes.NewReader(b))
			code := 0
			if err == nil {
				code = res.StatusCode
				res.Body.Close()
			}
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	peak := procStatus(t, pid, "VmHWM")
	t.Logf("FIGURE web, 60 parallel signups, HASH_MEMORY=128MiB (default): peak RSS %.0f MiB (idle %.0f MiB); answers %v in %v",
		peak, idle, statuses, time.Since(begin).Round(time.Millisecond))
	if statuses[500] > 0 || statuses[0] > 0 {
		t.Errorf("answers %v", statuses)
	}
}

// heavyPNG is a 7000x7000 image of one colour: a few hundred KB of PNG
// that decodes to 187 MiB of RGBA.
func heavyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 7000, 7000))
	c := color.NRGBA{30, 90, 200, 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// thumbnailRSS: four such images queued before a worker starts, so its
// thumbnail jobs meet them together.
func thumbnailRSS(t *testing.T) {
	st := &jobStack{dbURL: dbtest.URL(t)}
	st.env, st.base = webEnv(t, st.dbURL)
	st.env = append(st.env, "BLOB_URL="+blobtest.S3(t), "LOG_LEVEL=warn")
	st.token = adminToken(t, st.env)
	web := start(t, st.env, "web")
	waitFor(t, web, st.base+"/ready", 200, "", 20*time.Second)
	img := heavyPNG(t)
	for i := range 4 {
		st.upload(t, fmt.Sprintf("heavy-%d.png", i), "", img)
	}
	worker := st.startOps(t, st.env, "worker")
	begin := time.Now()
	eventually(t, "four thumbnail jobs ended", 3*time.Minute, func() bool {
		return st.query(t, "SELECT count(*) FROM river_job WHERE kind = 'thumbnail' AND state IN ('completed', 'discarded', 'cancelled')") == 4
	})
	made := st.query(t, "SELECT count(*) FROM files WHERE thumbnail_key IS NOT NULL")
	peak := procStatus(t, worker.cmd.Process.Pid, "VmHWM")
	t.Logf("FIGURE worker, four 7000x7000 PNGs (%d KiB each, 187 MiB decoded), THUMBNAIL_MEMORY=256MiB (default): peak RSS %.0f MiB; %d thumbnails made in %v",
		len(img)>>10, peak, made, time.Since(begin).Round(time.Second))
}

// trickle is one client that sends head, then a byte every gap, from its
// own loopback address, and reports when the server closed it.
type trickle struct {
	from, head string
	gap        time.Duration
}

func (c trickle) run(addr string, stop <-chan struct{}, open *atomic.Int64) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.from)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	open.Add(1)
	defer open.Add(-1)
	closed := make(chan struct{})
	go func() { // the server's answer or its close ends the read
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				close(closed)
				return
			}
		}
	}()
	if _, err := conn.Write([]byte(c.head)); err != nil {
		return
	}
	tick := time.NewTicker(c.gap)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-closed:
			return
		case <-tick.C:
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
		}
	}
}

// tricklingHeld: 240 clients, each from its own address (so the
// per-client cap does not apply), send a byte every 3 s: 80 of a request
// head, 80 of a JSON body, 80 of an authenticated upload's body. Counted
// at 60 s with the default timeouts.
func tricklingHeld(t *testing.T) {
	env, base := webEnv(t, dbtest.URL(t))
	env = append(env, "LOG_LEVEL=warn")
	token := adminToken(t, env)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	addr := strings.TrimPrefix(base, "http://")
	kinds := map[string]string{
		"head":   "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"json":   "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
		"upload": "PUT /api/v1/files/slow.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 1000\r\n\r\n",
	}
	stop := make(chan struct{})
	open := map[string]*atomic.Int64{}
	var wg sync.WaitGroup
	n := 0
	for kind, head := range kinds {
		open[kind] = &atomic.Int64{}
		for range 80 {
			n++
			c := trickle{from: fmt.Sprintf("127.0.%d.%d", 1+n/250, 1+n%250), head: head, gap: 3 * time.Second}
			wg.Add(1)
			go func() { defer wg.Done(); c.run(addr, stop, open[kind]) }()
		}
	}
	counts := func() string {
		return fmt.Sprintf("head %d, json %d, upload %d; web's open fds %d", open["head"].Load(), open["json"].Load(), open["upload"].Load(), fds(t, web.cmd.Process.Pid))
	}
	time.Sleep(2 * time.Second)
	t.Logf("trickling at 2 s: %s", counts())
	time.Sleep(13 * time.Second)
	t.Logf("trickling at 15 s: %s", counts())
	time.Sleep(45 * time.Second)
	if code, _, err := probe(base + "/health"); code != 200 {
		t.Errorf("/health while trickled at: %d %v", code, err)
	}
	t.Logf("FIGURE web, 240 clients sending a byte every 3 s, default timeouts: held at 60 s: %s", counts())
	close(stop)
	wg.Wait()
}

// fds counts the open file descriptors of pid.
func fds(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
