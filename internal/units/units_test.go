package units

import (
	"testing"
	"time"
)

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    Bytes
		wantErr bool
	}{
		{"0", 0, false},
		{"1048576", 1 << 20, false},
		{"10GiB", 10 << 30, false},
		{"10gib", 10 << 30, false},
		{"500MB", 500_000_000, false},
		{"1.5 GiB", 3 << 29, false},
		{"64K", 64 << 10, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"-1", 0, true},
		{"10 parsecs", 0, true},
		{"1.2.3MB", 0, true},
		{"99999999TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBytesStringRoundTrip(t *testing.T) {
	for _, b := range []Bytes{0, 1, 1023, 1 << 10, 3 << 20, 10 << 30, 1<<40 + 1} {
		got, err := ParseBytes(b.String())
		if err != nil || got != b {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", b.String(), got, err, b)
		}
	}
	if got := Bytes(3 << 29).Human(); got != "1.5 GiB" {
		t.Errorf("Human = %q", got)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"90m", 90 * time.Minute, false},
		{"24h", 24 * time.Hour, false},
		{"7d", 7 * Day, false},
		{"1d12h", 36 * time.Hour, false},
		{" 30s ", 30 * time.Second, false},
		{"", 0, true},
		{"d", 0, true},
		{"1.5d", 0, true},
		{"-1h", 0, true},
		{"-1d", 0, true},
		{"7days", 0, true},
		{"forever", 0, true},
		{"99999999d", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"10GiB", "1.5 MB", "", "-3", "9e99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBytes(s)
		if err == nil && b < 0 {
			t.Fatalf("ParseBytes(%q) = %d, negative", s, b)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7d", "1d2h", "90m", "-1h", "d1", "1d-1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		if err == nil {
			back, err := ParseDuration(Duration(d).String())
			if err != nil || back != d {
				t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, d, Duration(d).String(), back, err)
			}
		}
	})
}
