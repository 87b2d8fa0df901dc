package download

import (
	"errors"
	"mime"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	const size = 1000
	tests := []struct {
		header  string
		want    Range
		ok      bool
		unsatis bool
	}{
		{"", Range{}, false, false},
		{"bytes=0-99", Range{0, 100}, true, false},
		{"bytes=0-", Range{0, 1000}, true, false},
		{"bytes=500-", Range{500, 500}, true, false},
		{"bytes=990-2000", Range{990, 10}, true, false},
		{"bytes=-100", Range{900, 100}, true, false},
		{"bytes=-5000", Range{0, 1000}, true, false},
		{"bytes=999-999", Range{999, 1}, true, false},
		{"bytes=1000-", Range{}, false, true},
		{"bytes=-0", Range{}, false, true},
		{"bytes=5-1", Range{}, false, false},
		{"bytes=0-1,5-9", Range{}, false, false},
		{"items=0-1", Range{}, false, false},
		{"bytes=abc", Range{}, false, false},
		{"bytes=-", Range{}, false, false},
		{"bytes=--1", Range{}, false, false},
	}
	for _, tt := range tests {
		got, ok, err := ParseRange(tt.header, size)
		if got != tt.want || ok != tt.ok || errors.Is(err, ErrUnsatisfiable) != tt.unsatis {
			t.Errorf("ParseRange(%q) = %v, %v, %v; want %v, %v, unsatisfiable %v", tt.header, got, ok, err, tt.want, tt.ok, tt.unsatis)
		}
	}
	if got := (Range{900, 100}).ContentRange(size); got != "bytes 900-999/1000" {
		t.Errorf("ContentRange = %q", got)
	}
}

func TestAttachment(t *testing.T) {
	for _, name := range []string{"report.pdf", `he said "hi".txt`, "naïve café.txt", "日本語.txt", "a;b=c'd*(e).txt", "100% sure.txt"} {
		cd := Attachment(name)
		typ, params, err := mime.ParseMediaType(cd)
		if err != nil || typ != "attachment" {
			t.Errorf("Attachment(%q) = %q does not parse: %v", name, cd, err)
			continue
		}
		if params["filename"] != name {
			t.Errorf("Attachment(%q) reads back as %q", name, params["filename"])
		}
		if strings.ContainsAny(cd, "\r\n") {
			t.Errorf("header holds a line break: %q", cd)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-", "bytes=-1", "bytes=5-9", "bytes=9223372036854775807-"} {
		f.Add(s, int64(1000))
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			return
		}
		r, ok, err := ParseRange(header, size)
		if !ok {
			return
		}
		if err != nil || r.Start < 0 || r.Length <= 0 || r.Start+r.Length > size {
			t.Fatalf("ParseRange(%q, %d) = %+v, %v outside the file", header, size, r, err)
		}
	})
}
