package thumbnail

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// photo is a w×h JPEG shaped like a camera's: 4:2:0 chroma, smooth
// gradients with fine noise on top, so it compresses like a real photo.
func photo(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = uint8((x*160/w + y*60/h + rng.IntN(24)) & 0xFF)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(96+i%64), uint8(160-i/img.CStride*64/(h/2))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkMake12MP thumbnails a 4000×3000 photo, reporting thumbnails a
// second and the heap one thumbnail holds at its peak above the baseline.
func BenchmarkMake12MP(b *testing.B) {
	src := photo(b, 4000, 3000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Make(bytes.NewReader(src), 320); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "thumbs/s")

	inuse, sys := peakMemory(func() {
		if _, err := Make(bytes.NewReader(src), 320); err != nil {
			b.Error(err)
		}
	})
	b.ReportMetric(float64(inuse)/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(sys)/(1<<20), "peak-sys-MiB")
}

// peakMemory runs fn once, sampling the heap every millisecond, and returns
// the peak HeapInuse above what was in use before, and the peak Sys.
func peakMemory(fn func()) (inuse, sys uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	var peakInuse, peakSys uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peakInuse, peakSys = max(peakInuse, m.HeapInuse), max(peakSys, m.Sys)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	sample()
	return peakInuse - min(base, peakInuse), peakSys
}
