package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/mailtest"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jobStack runs web, two clocks and a worker against one database, an
// S3-compatible bucket whose reads the test can stall, and an SMTP sink.
type jobStack struct {
	env, workerEnv []string
	base, token    string
	dbURL          string
	mail           *mailtest.Sink
	stall          *atomic.Bool
}

func newJobStack(t *testing.T) *jobStack {
	t.Helper()
	st := &jobStack{dbURL: dbtest.URL(t), stall: &atomic.Bool{}}
	s3 := blobtest.S3With(t, stallReads(st.stall))
	var smtpURL string
	st.mail, smtpURL = mailtest.Start(t)
	st.env, st.base = webEnv(t, st.dbURL)
	st.env = append(st.env, "BLOB_URL="+s3, "PURGE_INTERVAL=1s", "SWEEP_INTERVAL=1h")
	st.workerEnv = append(append([]string{}, st.env...), "SMTP_URL="+smtpURL, "MAIL_FROM=Ferry <ferry@example.com>",
		"PURGE_AFTER=1s", "JOB_TIMEOUT=3s", "JOB_RESCUE_AFTER=4s")
	st.token = adminToken(t, st.env)
	web := start(t, st.env, "web")
	waitFor(t, web, st.base+"/ready", 200, "", 20*time.Second)
	for range 2 {
		st.startOps(t, st.env, "clock")
	}
	return st
}

// startOps starts a worker or clock on its own metrics port.
func (st *jobStack) startOps(t *testing.T, env []string, name string) *proc {
	t.Helper()
	port := freePort(t)
	p := start(t, append(env, "METRICS_PORT="+strconv.Itoa(port)), name)
	waitFor(t, p, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 20*time.Second)
	return p
}

// stallReads makes GETs of uploaded objects hang while stall is set.
func stallReads(stall *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/files/") && stall.Load() {
				time.Sleep(50 * time.Millisecond)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (st *jobStack) upload(t *testing.T, name, query string, body []byte) (id, download string) {
	t.Helper()
	res, out := request(t, "PUT", st.base+"/api/v1/files/"+name+query, st.token, bytes.NewReader(body))
	if res.StatusCode != 201 {
		t.Fatalf("upload %s: %d %s", name, res.StatusCode, out)
	}
	f := decode[fileBody](t, "upload "+name, out)
	return f.ID, f.Share.DownloadURL
}

func (st *jobStack) query(t *testing.T, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), st.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, within)
		}
	}
}

// TestBackgroundJobs: with web, a worker and two clocks running, a
// thumbnail appears, a download mail arrives, an expired file is purged
// with its object, and each period gets exactly one purge job.
func TestBackgroundJobs(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	st := newJobStack(t)
	worker := st.startOps(t, st.workerEnv, "worker")

	id, _ := st.upload(t, "photo.png", "", pngBytes(t, 800, 600))
	var thumb string
	eventually(t, "a thumbnail", 30*time.Second, func() bool {
		_, out := request(t, "GET", st.base+"/api/v1/files/"+id, st.token, nil)
		thumb = decode[fileBody](t, "file "+id, out).ThumbnailURL
		return thumb != ""
	})
	res, img := request(t, "GET", thumb, "", nil)
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); res.StatusCode != 200 || err != nil || max(cfg.Width, cfg.Height) > 320 {
		t.Errorf("thumbnail: %d %v %+v", res.StatusCode, err, cfg)
	}

	_, dl := st.upload(t, "report.txt", "?notify=true", []byte("quarterly numbers"))
	if res, _ := request(t, "GET", dl, "", nil); res.StatusCode != 200 {
		t.Fatalf("download: %d", res.StatusCode)
	}
	eventually(t, "the download mail", 30*time.Second, func() bool { return strings.Contains(st.mail.All(), "report.txt") })

	expiredID, _ := st.upload(t, "short.txt", "?expires_in=1s", []byte("brief"))
	eventually(t, "the purge of an expired file", 30*time.Second, func() bool {
		return st.query(t, "SELECT count(*) FROM files WHERE id = $1", expiredID) == 0
	})
	doubled := st.query(t, `SELECT count(*) FROM (SELECT 1 FROM river_job WHERE kind = 'purge'
		GROUP BY date_trunc('second', created_at) HAVING count(*) > 1) d`)
	total := st.query(t, "SELECT count(*) FROM river_job WHERE kind = 'purge'")
	if doubled != 0 || total < 2 {
		t.Errorf("purge jobs: %d in all, %d periods with more than one", total, doubled)
	}
	worker.signal(t, syscall.SIGTERM)
	if code := worker.exitCode(t, 20*time.Second); code != 0 {
		t.Errorf("worker exit %d after SIGTERM", code)
	}
}

// TestWorkerKilledMidJob: a worker killed with SIGKILL while a job runs
// leaves the job running in the queue; River rescues it and a new worker
// completes it.
func TestWorkerKilledMidJob(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	st := newJobStack(t)
	worker := st.startOps(t, st.workerEnv, "worker")
	st.stall.Store(true)
	id, _ := st.upload(t, "stuck.png", "", pngBytes(t, 64, 64))
	eventually(t, "the job to start", 30*time.Second, func() bool {
		return st.query(t, "SELECT count(*) FROM river_job WHERE kind = 'process_file' AND state = 'running' AND args->>'file_id' = $1", id) == 1
	})
	if err := worker.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-worker.done
	st.stall.Store(false)
	st.startOps(t, st.workerEnv, "worker")
	defer func() {
		if t.Failed() {
			conn, _ := pgx.Connect(context.Background(), st.dbURL)
			var state string
			var attempt int
			var errs []string
			_ = conn.QueryRow(context.Background(), "SELECT state, attempt, COALESCE(errors::text[], '{}') FROM river_job WHERE kind = 'process_file' AND args->>'file_id' = $1", id).Scan(&state, &attempt, &errs)
			t.Logf("job: state %s attempt %d errors %v", state, attempt, errs)
			conn.Close(context.Background())
		}
	}()
	eventually(t, "the rescued job to complete", 120*time.Second, func() bool {
		return st.query(t, "SELECT count(*) FROM files WHERE id = $1 AND verified_at IS NOT NULL", id) == 1
	})
}
