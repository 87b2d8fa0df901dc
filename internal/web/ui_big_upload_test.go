package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/testkit"
)

// TestBrowserUpload2GiB sends a 2 GiB file from Chromium through the
// upload form into a file:// bucket, so that neither the browser, the
// server nor the store holds it in memory, and finds the stored object's
// size and SHA-256 equal to the file's and to what the API reports.
func TestBrowserUpload2GiB(t *testing.T) {
	testkit.SkipShort(t, "uploads 2 GiB from Chromium")
	const size = 2 << 30
	st := newStackOn(t, "file://"+t.TempDir()+"?no_tmp_dir=true", func(s *Settings) { s.MaxUploadSize = size + 1<<20 })
	path := bigFile(t, size)
	want := sha256Of(t, openFile(t, path))
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)

	heap := watchHeap()
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute) // a bound, not a speed claim
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles("#file-input", []string{path}, chromedp.NodeReady),
		chromedp.Click("#send"),
		// Part way, the bars show progress with a speed.
		chromedp.Poll[chromedp.Void](`(v => v > 0 && v < 100)(document.getElementById("total-bar").value) &&
			document.getElementById("total-text").textContent.includes("/s")`, chromedp.WithPollingInterval(50*time.Millisecond),
			// chromedp's default of 30 s is too short for a busy machine
			// to start the upload; the context bounds the whole.
			chromedp.WithPollingTimeout(0)),
		chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingInterval(time.Second), chromedp.WithPollingTimeout(0)),
	); err != nil {
		t.Fatalf("upload 2 GiB: %v", err)
	}
	took := time.Since(began)
	before, peak := heap()
	t.Logf("2 GiB from Chromium in %s (%.0f MiB/s); server process heap in use %d MiB before, at most %d MiB during",
		took.Round(time.Second), float64(size)/(1<<20)/took.Seconds(), before>>20, peak>>20)

	list, err := files.List(context.Background(), st.services.DB, st.userID)
	if err != nil || len(list) != 1 {
		t.Fatalf("files after upload: %v %v", list, err)
	}
	res, out := st.call(t, "GET", "/api/v1/files/"+list[0].ID, st.token, nil)
	if res.StatusCode != 200 || out["size"] != float64(size) || out["sha256"] != want {
		t.Errorf("API answers size %v sha256 %v, want %d %s", out["size"], out["sha256"], size, want)
	}
	obj, err := st.services.Bucket.NewReader(context.Background(), list[0].BlobKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if obj.Size() != size || sha256Of(t, obj) != want {
		t.Errorf("stored object is not the file: %d bytes", obj.Size())
	}
}

// bigFile makes a sparse file of size bytes with random data at its start,
// middle and end, so that a part misplaced or lost changes the hash.
func bigFile(t *testing.T, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20)
	for _, at := range []int64{0, size/2 - 12345, size - int64(len(block))} {
		_, _ = rand.Read(block)
		if _, err := f.WriteAt(block, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openFile(t *testing.T, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// sha256Of streams r through SHA-256 and returns the hex digest.
func sha256Of(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// watchHeap samples the heap in use of this process, which is the server's
// too, until the returned function is called; that returns the heap when
// watching began and the most seen. It is a figure to report, not a limit.
func watchHeap() func() (before, peak uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	start := m.HeapInuse
	most := start
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				most = max(most, m.HeapInuse)
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done // most is the sampler's until it has stopped
		return start, most
	}
}
