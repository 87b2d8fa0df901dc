package thumbnail

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"runtime"
	"testing"
)

// FuzzMake feeds Make arbitrary bytes: it must not panic, must blame the
// image for any error, must return a thumbnail within the size asked for,
// and must allocate in proportion to the pixels the header declares,
// which Make caps at MaxPixels.
func FuzzMake(f *testing.F) {
	small := picture(24, 12, 255)
	pngBytes := encodePNG(f, small)
	f.Add(pngBytes)
	f.Add(encodePNG(f, picture(12, 24, 90)))
	f.Add(encodeJPEG(f, small))
	f.Add(withOrientation(encodeJPEG(f, small), 6))
	f.Add(encodeGIF(f, 20, 10, true))
	f.Add(encodeWebP(30, 20, color.NRGBA{R: 10, G: 200, B: 30, A: 255}))
	f.Add(encodeWebP(16384, 16384, color.NRGBA{A: 255}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8X"))
	f.Add([]byte("plain text"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, err := Make(bytes.NewReader(data), 64)
		runtime.ReadMemStats(&after)

		declared := uint64(0)
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			declared = uint64(cfg.Width) * uint64(cfg.Height)
		}
		if alloc, budget := after.TotalAlloc-before.TotalAlloc, 24*declared+32<<20+3*uint64(len(data)); alloc > budget {
			t.Errorf("allocated %d bytes for %d declared pixels (budget %d)", alloc, declared, budget)
		}
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error blames no image: %v", err)
			}
			return
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("thumbnail does not decode: %v", err)
		}
		if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 64 || cfg.Height > 64 {
			t.Fatalf("thumbnail is %dx%d, want within 64x64", cfg.Width, cfg.Height)
		}
	})
}
