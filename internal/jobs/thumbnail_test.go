package jobs

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
	"github.com/ferryhq/ferry/internal/thumbnail"
)

// flat is an image of one colour that holds no pixels, so a test can
// encode a decompression bomb without first allocating what it decodes to.
type flat struct {
	c    color.Color
	m    color.Model
	w, h int
}

func (f flat) ColorModel() color.Model { return f.m }
func (f flat) Bounds() image.Rectangle { return image.Rect(0, 0, f.w, f.h) }
func (f flat) At(int, int) color.Color { return f.c }
func (f flat) Opaque() bool            { return true }

func encodeFlat(t *testing.T, f flat) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestThumbnailBudget runs a real worker on four PNGs of a few hundred KB
// that each decode to about 200 MiB, and one 16-bit PNG that would decode
// to more than the whole budget. With four thumbnail jobs running at once,
// the budget lets one image decode at a time, and the one too large for
// it completes without a thumbnail. It logs the process's peak memory.
//
// It is not parallel, so that the memory it reports is its own.
func TestThumbnailBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 800 MiB of images")
	}
	// Four images that each take most of the budget, and one over it. Under
	// the race detector, an eighth of the area and of the budget.
	side, hugeSide, size := 7000, 6000, int64(256<<20) // THUMBNAIL_MEMORY's default
	if raceEnabled {
		side, hugeSide, size = 2500, 2100, 32<<20
	}
	heavy := encodeFlat(t, flat{c: color.RGBA{30, 90, 200, 255}, m: color.RGBAModel, w: side, h: side})
	huge := encodeFlat(t, flat{c: color.RGBA64{A: 0xFFFF}, m: color.RGBA64Model, w: hugeSide, h: hugeSide})
	d := testDeps(t)
	var logs syncbuf.Buffer
	d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	budget := thumbnail.NewBudget(size)
	d.Thumbnails = budget
	var ids []string
	for range 4 {
		id, _ := upload(t, d, heavy, "image/png")
		ids = append(ids, id)
	}
	hugeID, _ := upload(t, d, huge, "image/png")

	mem := watchMemory()
	runWorker(t, d, append(ids, hugeID))
	peak := mem.stop()

	for _, id := range ids {
		if s := stateOf(t, d, id); s.ThumbKey == nil {
			t.Errorf("file %s has no thumbnail", id)
		}
	}
	if s := stateOf(t, d, hugeID); s.ThumbKey != nil || !strings.Contains(logs.String(), `"msg":"no thumbnail","file_id":"`+hugeID) {
		t.Errorf("image over the budget: %+v, logs %s", s, logs.String())
	}
	one := thumbnail.DecodedSize(image.Config{ColorModel: color.RGBAModel, Width: side, Height: side}, ThumbnailSide)
	if budget.Peak() > budget.Size() || budget.Peak() < one || budget.Peak() >= 2*one {
		t.Errorf("budget peak %d, want one image's %d at a time within %d", budget.Peak(), one, budget.Size())
	}
	t.Logf("heavy PNG %d KB, decoded estimate %d MiB; budget %d MiB, peak reserved %d MiB",
		len(heavy)>>10, one>>20, budget.Size()>>20, budget.Peak()>>20)
	t.Logf("peak memory of the worker: heap in use %d MiB, heap from the OS %d MiB, VmHWM %s",
		peak.heapInuse>>20, peak.heapSys>>20, peak.hwm)
}

// runWorker runs a real River runner, with more thumbnail slots than the
// budget has room for, until the thumbnail jobs of ids have all ended.
func runWorker(t *testing.T, d *Deps, ids []string) {
	t.Helper()
	ctx := context.Background()
	runner, err := NewRunner(d, RunnerOptions{Concurrency: 2, ThumbnailConcurrency: 4, JobTimeout: 2 * time.Minute, RescueAfter: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := runner.Stop(stopCtx); err != nil {
			t.Error(err)
		}
	}()
	for _, id := range ids {
		if _, err := runner.Insert(ctx, ProcessFileArgs{FileID: id}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var done int
		err := d.DB.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'thumbnail' AND state = 'completed'`).Scan(&done)
		if err != nil {
			t.Fatal(err)
		}
		if done == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d thumbnail jobs completed in time", done, len(ids))
		}
	}
}

// memoryPeak is the most memory the process held while it was watched.
type memoryPeak struct {
	heapInuse, heapSys uint64
	hwm                string // VmHWM of /proc/self/status, the peak resident set
}

// memoryWatch samples the heap every 5ms until stopped.
type memoryWatch struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak memoryPeak
}

// watchMemory starts sampling, first resetting the kernel's peak resident
// set so that what the test did before is not counted.
func watchMemory() *memoryWatch {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // Linux: resets VmHWM
	m := &memoryWatch{done: make(chan struct{})}
	m.wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			m.peak.heapInuse, m.peak.heapSys = max(m.peak.heapInuse, s.HeapInuse), max(m.peak.heapSys, s.HeapSys)
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	})
	return m
}

func (m *memoryWatch) stop() memoryPeak {
	close(m.done)
	m.wg.Wait()
	m.peak.hwm = "unknown"
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(status)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				m.peak.hwm = strings.TrimSpace(v)
			}
		}
	}
	return m.peak
}
