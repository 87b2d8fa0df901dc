package send

import (
	"slices"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestQR: the half blocks printed, read back into modules, are exactly
// the library's matrix for the link, quiet zone included, with an odd
// number of rows (every QR code has one) ending in top halves only.
func TestQR(t *testing.T) {
	const link = "https://ferry.example.com/s/Zx8kP2mQ9vR4tW7y"
	for _, colour := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "colour"}[colour], func(t *testing.T) {
			var b strings.Builder
			if err := writeQR(&b, link, colour); err != nil {
				t.Fatal(err)
			}
			q, err := qrcode.New(link, qrcode.Medium)
			if err != nil {
				t.Fatal(err)
			}
			want := q.Bitmap()
			got := readQR(t, b.String(), colour)
			if len(want)%2 != 1 || len(got) != len(want)+1 {
				t.Fatalf("%d rows read for %d modules", len(got), len(want))
			}
			if slices.Contains(got[len(want)], true) {
				t.Error("the last line draws a bottom half below the code")
			}
			for y := range want {
				if !slices.Equal(got[y], want[y]) {
					t.Errorf("row %d: printed %v, want %v", y, got[y], want[y])
				}
			}
			if colour != strings.Contains(b.String(), qrColour) {
				t.Errorf("colour %v, output %q", colour, b.String()[:40])
			}
		})
	}
}

// readQR turns printed half blocks back into rows of modules.
func readQR(t *testing.T, s string, colour bool) [][]bool {
	t.Helper()
	var rows [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if colour {
			var ok bool
			if line, ok = strings.CutPrefix(line, qrColour); !ok {
				t.Fatalf("line %q lacks the colour", line)
			}
			if line, ok = strings.CutSuffix(line, qrReset); !ok {
				t.Fatalf("line %q lacks the reset", line)
			}
		}
		var top, bottom []bool
		for _, r := range line {
			cell := slices.Index(halfBlocks[:], string(r))
			if cell < 0 {
				t.Fatalf("unexpected %q in %q", r, line)
			}
			top, bottom = append(top, cell&2 != 0), append(bottom, cell&1 != 0)
		}
		rows = append(rows, top, bottom)
	}
	return rows
}
