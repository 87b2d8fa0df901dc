package qrsvg

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"
)

// svgDoc is the shape SVG draws.
type svgDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	ViewBox string   `xml:"viewBox,attr"`
	Rect    struct {
		Width string `xml:"width,attr"`
	} `xml:"rect"`
	Path struct {
		D string `xml:"d,attr"`
	} `xml:"path"`
}

var run = regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// modules parses an SVG drawn by SVG back into its grid of dark modules,
// failing on anything SVG would not write.
func modules(t *testing.T, raw []byte) (int, map[[2]int]bool) {
	t.Helper()
	var doc svgDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not XML in the SVG namespace: %v", err)
	}
	f := strings.Fields(doc.ViewBox)
	if len(f) != 4 || f[0] != "0" || f[1] != "0" || f[2] != f[3] || doc.Rect.Width != f[2] {
		t.Fatalf("viewBox %q, background %q: want a square from 0 0 covered by the background", doc.ViewBox, doc.Rect.Width)
	}
	side, _ := strconv.Atoi(f[2])
	dark := map[[2]int]bool{}
	for d := doc.Path.D; d != ""; {
		m := run.FindStringSubmatch(d)
		if m == nil || m[3] != m[4] {
			t.Fatalf("path data %.40q... is not runs of modules", d)
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		for i := range n {
			dark[[2]int{x + i - Quiet, y - Quiet}] = true
		}
		d = d[len(m[0]):]
	}
	return side - 2*Quiet, dark
}

// TestSVG: the drawing is valid SVG whose size is the QR version a link
// of that length needs at level M (byte mode: 14, 26, 42, 62, 84 bytes for
// versions 1 to 5, 17 + 4 × version modules a side), and whose dark
// modules are exactly rsc.io/qr's for the link.
func TestSVG(t *testing.T) {
	t.Parallel()
	base := "http://ferry.example/s/"
	tests := []struct {
		length, modules int
	}{
		{14, 21}, {15, 25}, {26, 25}, {27, 29}, {42, 29}, {43, 33}, {62, 33}, {63, 37}, {84, 37}, {85, 41},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.length), func(t *testing.T) {
			url := (base + strings.Repeat("aB3-_", 20))[:tt.length]
			if tt.length < len(base) {
				url = strings.Repeat("x", tt.length)
			}
			raw, err := SVG(url)
			if err != nil {
				t.Fatal(err)
			}
			size, dark := modules(t, raw)
			if size != tt.modules {
				t.Fatalf("%d modules a side for %d bytes, want %d", size, tt.length, tt.modules)
			}
			want, err := qr.Encode(url, qr.M)
			if err != nil {
				t.Fatal(err)
			}
			if want.Size != size {
				t.Fatalf("rsc.io/qr makes %d modules, the SVG %d", want.Size, size)
			}
			for y := range size {
				for x := range size {
					if want.Black(x, y) != dark[[2]int{x, y}] {
						t.Fatalf("module (%d,%d): rsc.io/qr says dark %v, the SVG %v", x, y, want.Black(x, y), dark[[2]int{x, y}])
					}
				}
			}
			if strings.Contains(string(raw), "<script") || strings.Contains(string(raw), "href") {
				t.Error("the SVG holds script or a link")
			}
		})
	}
}

func TestSVGTooLong(t *testing.T) {
	t.Parallel()
	if _, err := SVG(strings.Repeat("a", 4000)); err == nil {
		t.Error("4000 bytes encoded; QR holds at most 2331 at level M")
	}
}
