package web

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestContrast: in the light and the dark palette, every pair of text and
// background colours the stylesheet uses reaches WCAG AA for body text
// (a contrast ratio of 4.5 or more).
func TestContrast(t *testing.T) {
	css, err := assetFS.ReadFile("assets/ferry.css")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`:root\s*\{([^}]*)\}`).FindAllStringSubmatch(string(css), -1)
	if len(blocks) != 2 {
		t.Fatalf("want a light and a dark :root palette, found %d", len(blocks))
	}
	pairs := [][2]string{
		{"fg", "bg"}, {"fg", "card"}, {"muted", "bg"}, {"muted", "card"},
		{"accent", "bg"}, {"accent", "card"}, {"accent-fg", "accent"},
		{"danger", "card"}, {"ok", "card"},
	}
	for i, name := range []string{"light", "dark"} {
		palette := map[string]string{}
		for _, m := range regexp.MustCompile(`--([\w-]+):\s*(#[0-9a-fA-F]{3,6})`).FindAllStringSubmatch(blocks[i][1], -1) {
			palette[m[1]] = m[2]
		}
		for _, p := range pairs {
			fg, bg := palette[p[0]], palette[p[1]]
			if fg == "" || bg == "" {
				t.Errorf("%s palette lacks --%s or --%s", name, p[0], p[1])
				continue
			}
			if r := contrast(fg, bg); r < 4.5 {
				t.Errorf("%s: --%s %s on --%s %s has contrast %.2f, below 4.5", name, p[0], fg, p[1], bg, r)
			}
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two #rgb or #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	h := hex[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}
