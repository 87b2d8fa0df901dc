package send

import (
	"bufio"
	"io"

	qrcode "github.com/skip2/go-qrcode"
)

// halfBlocks draw two rows of modules per line of text: the top and the
// bottom module of a cell, dark (true) or light, index top*2+bottom.
var halfBlocks = [4]string{" ", "▄", "▀", "█"}

// Colours that make the code dark on light whatever the terminal's own
// theme (a reader may not take an inverted code): black on bright white,
// and the reset at each line's end, so a line cut short does not leave
// the terminal coloured.
const (
	qrColour = "\x1b[30;107m"
	qrReset  = "\x1b[0m"
)

// writeQR draws text as a QR code (medium error correction, the quiet
// zone of four modules the standard asks for) in half-block characters:
// a dark module is ink. colour paints it black on white for a terminal.
func writeQR(w io.Writer, text string, colour bool) error {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bits := q.Bitmap()
	for y := 0; y < len(bits); y += 2 {
		if colour {
			bw.WriteString(qrColour)
		}
		for x := range bits[y] {
			cell := 0
			if bits[y][x] {
				cell |= 2
			}
			if y+1 < len(bits) && bits[y+1][x] {
				cell |= 1
			}
			bw.WriteString(halfBlocks[cell])
		}
		if colour {
			bw.WriteString(qrReset)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
