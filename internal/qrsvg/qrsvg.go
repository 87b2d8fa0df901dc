// Package qrsvg draws text, a share link, as a QR code in SVG: no script,
// no image decoding, just the modules as one path.
package qrsvg

import (
	"fmt"
	"strconv"
	"strings"

	"rsc.io/qr"
)

// Quiet is the blank margin around the code, in modules, as the QR
// standard asks for.
const Quiet = 4

// Level is the error correction the codes use: M restores 15% of the
// modules, enough for a screen or a print that is a little smudged, and
// keeps a share link at version 4 (33 modules a side) or so.
const Level = qr.M

// Encode returns the QR code of text, as rsc.io/qr makes it at Level.
func Encode(text string) (*qr.Code, error) {
	c, err := qr.Encode(text, Level)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	return c, nil
}

// SVG draws text's QR code as an SVG document: a white square of the
// code's size plus the quiet zone on each side, one module a unit of the
// viewBox, and the dark modules as one path of horizontal runs, so it
// scales to any size without blurring.
func SVG(text string) ([]byte, error) {
	c, err := Encode(text)
	if err != nil {
		return nil, err
	}
	side := strconv.Itoa(c.Size + 2*Quiet)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + side + ` ` + side + `" shape-rendering="crispEdges">`)
	b.WriteString(`<rect width="` + side + `" height="` + side + `" fill="#fff"/><path fill="#000" d="`)
	for y := range c.Size {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < c.Size && c.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+Quiet, y+Quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}
