package thumbnail

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the memory that decoding takes across every thumbnail a
// process makes at once. MaxPixels bounds one image, but a worker running
// several jobs could still hold several such images together; a Budget
// makes each one reserve its decoded size first, so together they stay
// within the budget whatever the queue's concurrency.
type Budget struct {
	sem  *semaphore.Weighted
	size int64
	held atomic.Int64
	peak atomic.Int64
}

// NewBudget returns a budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{sem: semaphore.NewWeighted(size), size: size}
}

// Size returns the bytes the budget holds in all.
func (b *Budget) Size() int64 { return b.size }

// Held returns the bytes reserved now.
func (b *Budget) Held() int64 { return b.held.Load() }

// Peak returns the most bytes that were reserved at once.
func (b *Budget) Peak() int64 { return b.peak.Load() }

// Make is the package's Make within the budget: it estimates the image's
// decoded size from its header and waits, as long as ctx allows, until
// that much of the budget is free. An image whose estimate exceeds the
// whole budget is refused with ErrTooLarge, its pixels never decoded.
func (b *Budget) Make(ctx context.Context, r io.Reader, maxSide int) ([]byte, error) {
	return makeWith(r, maxSide, func(cfg image.Config) (func(), error) {
		return b.reserve(ctx, DecodedSize(cfg, maxSide))
	})
}

// reserve takes n bytes of the budget and returns the function that gives
// them back.
func (b *Budget) reserve(ctx context.Context, n int64) (func(), error) {
	if n > b.size {
		return nil, fmt.Errorf("%w: decoding takes about %d MiB, more than the budget of %d MiB", ErrTooLarge, n>>20, b.size>>20)
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, fmt.Errorf("thumbnail: wait for memory: %w", err)
	}
	held := b.held.Add(n)
	for peak := b.peak.Load(); held > peak && !b.peak.CompareAndSwap(peak, held); peak = b.peak.Load() {
	}
	return func() {
		// The pixels are garbage now, but the collector would leave them
		// until the heap had doubled since it last ran, so the next
		// image would be decoded beside them: the budget would bound only
		// half the heap. Collecting first lets it reuse their memory; with
		// the pixels gone, little is left to mark.
		runtime.GC()
		b.held.Add(-n)
		b.sem.Release(n)
	}, nil
}

// DecodedSize estimates the bytes Make holds at once for an image with
// header cfg: the decoded pixels, the image the first resampling pass
// makes (maxSide wide and as tall as the source), the thumbnail, and the
// resampling weights, which grow with the sides.
func DecodedSize(cfg image.Config, maxSide int) int64 {
	w, h, side := int64(cfg.Width), int64(cfg.Height), int64(maxSide)
	pixels := w * h * bytesPerPixel(cfg.ColorModel)
	firstPass := min(w, side) * h * 4
	return pixels + firstPass + side*side*4 + 96*(w+h)
}

// bytesPerPixel is what the decoders of the accepted formats allocate a
// pixel for each colour model; an unknown model counts as 16-bit RGBA,
// the most a decoder here allocates.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel: // 4:4:4 at most
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}
