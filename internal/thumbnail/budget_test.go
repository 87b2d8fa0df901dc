package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"sync"
	"testing"
)

func TestDecodedSize(t *testing.T) {
	t.Parallel()
	pal := color.Palette{color.Black, color.White}
	cases := []struct {
		name  string
		model color.Model
		w, h  int
		want  int64
	}{
		{"gray, smaller than the thumbnail", color.GrayModel, 100, 50, 100*50 + 100*50*4 + 320*320*4 + 96*150},
		{"rgba", color.NRGBAModel, 1000, 1000, 1000*1000*4 + 320*1000*4 + 320*320*4 + 96*2000},
		{"16-bit", color.NRGBA64Model, 1000, 1000, 1000*1000*8 + 320*1000*4 + 320*320*4 + 96*2000},
		{"paletted", pal, 1000, 10, 1000*10 + 320*10*4 + 320*320*4 + 96*1010},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := DecodedSize(image.Config{ColorModel: c.model, Width: c.w, Height: c.h}, 320); got != c.want {
				t.Errorf("DecodedSize = %d, want %d", got, c.want)
			}
		})
	}
}

func TestBudgetRefusesOverWhole(t *testing.T) {
	t.Parallel()
	in := encodePNG(t, picture(2000, 2000, 255)) // about 19 MB decoded and resampled
	b := NewBudget(8 << 20)
	_, err := b.Make(context.Background(), bytes.NewReader(in), 320)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Make over the budget = %v, want ErrTooLarge", err)
	}
	if b.Peak() != 0 || b.Held() != 0 {
		t.Errorf("refused image reserved memory: peak %d, held %d", b.Peak(), b.Held())
	}
}

// TestBudgetBoundsConcurrent makes eight thumbnails at once from images
// of which only two fit the budget together.
func TestBudgetBoundsConcurrent(t *testing.T) {
	t.Parallel()
	in := encodePNG(t, picture(800, 800, 255))
	one := DecodedSize(image.Config{ColorModel: color.NRGBAModel, Width: 800, Height: 800}, 320)
	b := NewBudget(2*one + one/2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := b.Make(context.Background(), bytes.NewReader(in), 320); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if b.Peak() > b.Size() || b.Peak() < one || b.Held() != 0 {
		t.Errorf("peak %d, held %d, for a budget of %d and images of %d", b.Peak(), b.Held(), b.Size(), one)
	}
}

func TestBudgetWaitCancelled(t *testing.T) {
	t.Parallel()
	in := encodePNG(t, picture(400, 400, 255))
	b := NewBudget(DecodedSize(image.Config{ColorModel: color.NRGBAModel, Width: 400, Height: 400}, 320))
	release, err := b.reserve(context.Background(), b.Size()) // the budget is all taken
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Make(ctx, bytes.NewReader(in), 320); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTooLarge) {
		t.Errorf("Make while the budget is taken and ctx cancelled = %v, want context.Canceled", err)
	}
}
