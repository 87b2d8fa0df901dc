package thumbnail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/image/bmp"
)

// picture is a w×h image, its left half red and its right half blue, so
// tests can see which way a thumbnail was turned. alpha 255 is opaque.
func picture(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 220, G: 30, B: 30, A: alpha}
			if x >= w/2 {
				c = color.NRGBA{R: 30, G: 30, B: 220, A: alpha}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeGIF makes a two-frame animation, the first frame red and the
// second blue; transparent makes the first frame's top half transparent.
func encodeGIF(t testing.TB, w, h int, transparent bool) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{220, 30, 30, 255}, color.RGBA{30, 30, 220, 255}, color.RGBA{}}
	first, second := image.NewPaletted(image.Rect(0, 0, w, h), pal), image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range second.Pix {
		second.Pix[i] = 1
		if transparent && i < len(first.Pix)/2 {
			first.Pix[i] = 2
		}
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{first, second}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bitWriter writes the least significant bit first, as VP8L reads.
type bitWriter struct {
	buf  []byte
	nbit uint
}

func (b *bitWriter) write(v uint32, n uint) {
	for i := range n {
		if b.nbit%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		b.buf[len(b.buf)-1] |= byte(v>>i&1) << (b.nbit % 8)
		b.nbit++
	}
}

// encodeWebP makes a lossless WebP of one colour: every prefix code has
// a single symbol, so the pixels take no bits at all.
func encodeWebP(w, h int, c color.NRGBA) []byte {
	var b bitWriter
	b.write(0x2f, 8)
	b.write(uint32(w-1), 14)
	b.write(uint32(h-1), 14)
	b.write(1, 1) // alpha hint
	b.write(0, 3) // version
	b.write(0, 1) // no transform
	b.write(0, 1) // no colour cache
	b.write(0, 1) // no meta prefix codes
	for _, symbol := range []uint8{c.G, c.R, c.B, c.A, 0} {
		b.write(1, 1) // simple code
		b.write(0, 1) // of one symbol
		b.write(1, 1) // written in 8 bits
		b.write(uint32(symbol), 8)
	}
	data := append(b.buf, 0, 0, 0, 0)
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	out := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00")
	binary.LittleEndian.PutUint32(out[4:], uint32(len(data)+12))
	binary.LittleEndian.PutUint32(out[16:], uint32(len(data)))
	return append(out, data...)
}

// withOrientation inserts an EXIF segment with orientation o after the
// start of a JPEG, in big-endian TIFF order as many cameras write it.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00*\x00\x00\x00\x08\x00\x01")
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3)
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // value padding, no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(seg)+2))
	return bytes.Join([][]byte{jpg[:2], app1, seg, jpg[2:]}, nil)
}

func TestMake(t *testing.T) {
	t.Parallel()
	red, blue := color.NRGBA{220, 30, 30, 255}, color.NRGBA{30, 30, 220, 255}
	cases := []struct {
		name                 string
		in                   []byte
		maxSide              int
		format               string
		w, h                 int
		topLeft, bottomRight color.NRGBA // expected colours, roughly
	}{
		{"png landscape", encodePNG(t, picture(800, 600, 255)), 320, "jpeg", 320, 240, red, blue},
		{"png transparent stays png", encodePNG(t, picture(800, 600, 128)), 320, "png", 320, 240,
			color.NRGBA{220, 30, 30, 128}, color.NRGBA{30, 30, 220, 128}},
		{"small png not enlarged", encodePNG(t, picture(100, 50, 255)), 320, "jpeg", 100, 50, red, blue},
		{"png exactly max side", encodePNG(t, picture(320, 200, 255)), 320, "jpeg", 320, 200, red, blue},
		{"jpeg portrait", encodeJPEG(t, picture(300, 1000, 255)), 320, "jpeg", 96, 320, red, blue},
		{"jpeg turned by exif", withOrientation(encodeJPEG(t, picture(400, 200, 255)), 6), 320, "jpeg", 160, 320, red, blue},
		{"jpeg mirrored by exif", withOrientation(encodeJPEG(t, picture(400, 200, 255)), 2), 320, "jpeg", 320, 160, blue, red},
		{"gif first frame", encodeGIF(t, 640, 640, false), 320, "jpeg", 320, 320, red, red},
		{"gif transparent", encodeGIF(t, 640, 640, true), 320, "png", 320, 320, color.NRGBA{}, red},
		{"webp", encodeWebP(1000, 500, blue), 320, "jpeg", 320, 160, blue, blue},
		{"webp transparent", encodeWebP(1000, 500, color.NRGBA{30, 30, 220, 100}), 320, "png", 320, 160,
			color.NRGBA{30, 30, 220, 100}, color.NRGBA{30, 30, 220, 100}},
		{"extreme aspect keeps a pixel", encodePNG(t, picture(5000, 2, 255)), 320, "jpeg", 320, 1, red, blue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, err := Make(bytes.NewReader(c.in), c.maxSide)
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			img, format, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("thumbnail does not decode: %v", err)
			}
			if b := img.Bounds(); format != c.format || b.Dx() != c.w || b.Dy() != c.h {
				t.Errorf("thumbnail is %s %dx%d, want %s %dx%d", format, b.Dx(), b.Dy(), c.format, c.w, c.h)
			}
			b := img.Bounds()
			assertNear(t, "top left", img.At(b.Min.X, b.Min.Y), c.topLeft)
			assertNear(t, "bottom right", img.At(b.Max.X-1, b.Max.Y-1), c.bottomRight)
		})
	}
}

// assertNear fails unless got is want give or take JPEG's losses.
func assertNear(t *testing.T, where string, got color.Color, want color.NRGBA) {
	t.Helper()
	g := color.NRGBAModel.Convert(got).(color.NRGBA)
	if want.A == 0 {
		if g.A != 0 {
			t.Errorf("%s = %v, want transparent", where, g)
		}
		return
	}
	for i, d := range []int{int(g.R) - int(want.R), int(g.G) - int(want.G), int(g.B) - int(want.B), int(g.A) - int(want.A)} {
		if d < -24 || d > 24 {
			t.Errorf("%s = %v, want about %v (channel %d)", where, g, want, i)
			return
		}
	}
}

// withSize rewrites the dimensions in an encoded image's header, making
// a file that promises far more pixels than it holds.
func withSize(t *testing.T, format string, in []byte, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(in)
	switch format {
	case "png": // IHDR data at 16, its CRC at 29
		binary.BigEndian.PutUint32(out[16:], uint32(w))
		binary.BigEndian.PutUint32(out[20:], uint32(h))
		binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	case "jpeg": // SOF0: marker, length, precision, height, width
		i := bytes.Index(out, []byte{0xFF, 0xC0})
		binary.BigEndian.PutUint16(out[i+5:], uint16(h))
		binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	case "gif": // logical screen size
		binary.LittleEndian.PutUint16(out[6:], uint16(w))
		binary.LittleEndian.PutUint16(out[8:], uint16(h))
	default:
		t.Fatalf("no header rewrite for %s", format)
	}
	return out
}

func TestMakeRefuses(t *testing.T) {
	small := picture(16, 16, 255)
	var bmpBuf bytes.Buffer
	if err := bmp.Encode(&bmpBuf, small); err != nil {
		t.Fatal(err)
	}
	pngBytes := encodePNG(t, small)
	// Metadata segments before the frame header, past what Make keeps.
	app := append([]byte{0xFF, 0xEE, 0xFF, 0xFF}, make([]byte, 65533)...)
	fat := bytes.Join([][]byte{{0xFF, 0xD8}, bytes.Repeat(app, maxHeader/len(app)+1), encodeJPEG(t, small)[2:]}, nil)
	cases := []struct {
		name   string
		in     []byte
		want   error
		budget uint64 // bytes it may allocate; 0 means 1 MiB
	}{
		{"text", []byte("hello, this is not an image\n"), ErrUnsupported, 0},
		{"empty", nil, ErrUnsupported, 0},
		{"truncated png", pngBytes[:len(pngBytes)/2], ErrUnsupported, 0},
		{"zero width png", withSize(t, "png", pngBytes, 0, 16), ErrUnsupported, 0},
		{"bmp is not accepted", bmpBuf.Bytes(), ErrUnsupported, 0},
		{"png bomb", withSize(t, "png", pngBytes, 10000, 10000), ErrTooLarge, 0},
		{"png too wide", withSize(t, "png", pngBytes, 100000, 1), ErrTooLarge, 0},
		{"jpeg bomb", withSize(t, "jpeg", encodeJPEG(t, small), 60000, 60000), ErrTooLarge, 0},
		{"gif bomb", withSize(t, "gif", encodeGIF(t, 16, 16, false), 65535, 65535), ErrTooLarge, 0},
		{"webp bomb", encodeWebP(16384, 16384, color.NRGBA{A: 255}), ErrTooLarge, 0},
		// The metadata kept grows by doubling up to maxHeader.
		{"jpeg metadata bomb", fat, ErrTooLarge, 5 * maxHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Make(bytes.NewReader(c.in), 320)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, c.want) {
				t.Fatalf("Make: %v, want %v", err, c.want)
			}
			// A bomb is refused from its header: nothing near its pixels is allocated.
			if c.budget == 0 {
				c.budget = 1 << 20
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > c.budget {
				t.Errorf("allocated %d bytes refusing it", alloc)
			}
		})
	}
}

func TestMakeReadError(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection reset")
	in := encodePNG(t, picture(200, 200, 255))
	for name, r := range map[string]io.Reader{
		"in header": iotest.ErrReader(broken),
		"in pixels": io.MultiReader(bytes.NewReader(in[:len(in)/2]), iotest.ErrReader(broken)),
	} {
		_, err := Make(r, 320)
		if !errors.Is(err, broken) || errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Make = %v, want the read error and not ErrUnsupported", name, err)
		}
	}
	if _, err := Make(bytes.NewReader(in), 0); err == nil {
		t.Errorf("max side 0 accepted")
	}
}

func TestSupported(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
		"image/svg+xml": false, "image/bmp": false, "text/plain; charset=utf-8": false, "": false,
	} {
		if Supported(ct) != want {
			t.Errorf("Supported(%q) = %v, want %v", ct, !want, want)
		}
	}
}

func TestJPEGOrientation(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, picture(8, 8, 255))
	for o := uint16(1); o <= 8; o++ {
		if got := jpegOrientation(withOrientation(jpg, o)); got != int(o) {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	for name, in := range map[string][]byte{
		"none":         jpg,
		"out of range": withOrientation(jpg, 9),
		"cut short":    withOrientation(jpg, 6)[:20],
		"not jpeg":     []byte("II*\x00"),
	} {
		if got := jpegOrientation(in); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
}

func ExampleMake() {
	img := image.NewGray(image.Rect(0, 0, 1600, 1200))
	var src bytes.Buffer
	_ = png.Encode(&src, img)

	thumb, err := Make(&src, 320)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _, _ := image.DecodeConfig(bytes.NewReader(thumb))
	fmt.Println(cfg.Width, cfg.Height, http.DetectContentType(thumb))
	_, err = Make(strings.NewReader("plain text"), 320)
	fmt.Println(errors.Is(err, ErrUnsupported))
	// Output:
	// 320 240 image/jpeg
	// true
}
