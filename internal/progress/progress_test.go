package progress

import (
	"strings"
	"testing"
	"time"
)

func TestUnits(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Bytes(0), "0 B"},
		{Bytes(1023), "1023 B"},
		{Bytes(1536), "1.5 KiB"},
		{Bytes(8 << 20), "8.0 MiB"},
		{Bytes(3 << 40), "3.0 TiB"},
		{Clock(59 * time.Second), "0:59"},
		{Clock(61*time.Minute + 5*time.Second), "1:01:05"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// TestBar: on a terminal the line is redrawn in place and names bytes,
// speed and time left; elsewhere it is plain lines; an unknown size
// shows no share of it.
func TestBar(t *testing.T) {
	tests := []struct {
		name  string
		live  bool
		verbs Verbs
		size  int64
		want  []string
		not   string
	}{
		{"terminal", true, Sending, 2048, []string{"\r\x1b[K", "a.bin", "2.0 KiB / 2.0 KiB", "/s", "left"}, "sending"},
		{"pipe", false, Sending, 2048, []string{"sending a.bin (2.0 KiB)\n", "sent a.bin (1.0 KiB in "}, "\r"},
		{"pipe, fetching", false, Fetching, 2048, []string{"fetching a.bin (2.0 KiB)\n", "saved a.bin (1.0 KiB in "}, "\r"},
		{"terminal, size unknown", true, Fetching, -1, []string{"\r\x1b[K", "a.bin  1.5 KiB  "}, "left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			p := New(&b, tt.live, tt.verbs, "a.bin", tt.size, 1024)
			p.Add(512)
			p.Done(nil)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%q lacks %q", b.String(), w)
				}
			}
			if strings.Contains(b.String(), tt.not) {
				t.Errorf("%q has %q", b.String(), tt.not)
			}
		})
	}
}
