package send

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		usage    bool
	}{
		{"https://ferry.example.com/", "https://ferry.example.com", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"", "", true},
		{"ferry.example.com", "", true},
		{"ftp://ferry.example.com", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := baseURL(tt.in)
			if got != tt.want || errors.Is(err, ErrUsage) != tt.usage {
				t.Errorf("baseURL(%q) = %q, %v; want %q, usage error %v", tt.in, got, err, tt.want, tt.usage)
			}
		})
	}
}

// TestStateKey: a file is resumed only as the same version on the same
// server; any change starts a new upload.
func TestStateKey(t *testing.T) {
	var d stateDir
	at := time.Unix(1700000000, 0)
	f := local{path: "/data/a.bin", size: 10, mtime: at}
	key := d.key("https://a.example", f)
	tests := []struct {
		name   string
		server string
		f      local
	}{
		{"another server", "https://b.example", f},
		{"another path", "https://a.example", local{path: "/data/b.bin", size: 10, mtime: at}},
		{"another size", "https://a.example", local{path: "/data/a.bin", size: 11, mtime: at}},
		{"another mtime", "https://a.example", local{path: "/data/a.bin", size: 10, mtime: at.Add(time.Nanosecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d.key(tt.server, tt.f) == key {
				t.Error("same key")
			}
		})
	}
	if d.key("https://a.example", f) != key {
		t.Error("the same file on the same server has another key")
	}
}

func TestStateSaveLoadDrop(t *testing.T) {
	d := stateDir(t.TempDir() + "/uploads")
	if _, ok := d.load("k"); ok {
		t.Fatal("loaded a state never saved")
	}
	if err := d.save("k", "https://a.example/api/v1/uploads/x", "/data/a.bin"); err != nil {
		t.Fatal(err)
	}
	if u, ok := d.load("k"); !ok || u != "https://a.example/api/v1/uploads/x" {
		t.Fatalf("load: %q, %v", u, ok)
	}
	d.drop("k")
	d.drop("k") // gone already: no fuss
	if _, ok := d.load("k"); ok {
		t.Error("loaded a dropped state")
	}
}

func TestEncodeMeta(t *testing.T) {
	got := encodeMeta([]string{"filename", "résumé, v2.pdf", "max_downloads", "3"})
	want := "filename " + base64.StdEncoding.EncodeToString([]byte("résumé, v2.pdf")) + ",max_downloads Mw=="
	if got != want {
		t.Errorf("encodeMeta = %q, want %q", got, want)
	}
}

func TestProgressUnits(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{bytesOf(0), "0 B"},
		{bytesOf(1023), "1023 B"},
		{bytesOf(1536), "1.5 KiB"},
		{bytesOf(8 << 20), "8.0 MiB"},
		{bytesOf(3 << 40), "3.0 TiB"},
		{clock(59 * time.Second), "0:59"},
		{clock(61*time.Minute + 5*time.Second), "1:01:05"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// TestLiveProgress: on a terminal the line is redrawn in place and names
// bytes, speed and time left; elsewhere it is plain lines.
func TestLiveProgress(t *testing.T) {
	tests := []struct {
		live bool
		want []string
		not  string
	}{
		{true, []string{"\r\x1b[K", "a.bin", "2.0 KiB / 2.0 KiB", "/s", "left"}, "sending"},
		{false, []string{"sending a.bin (2.0 KiB)\n", "sent a.bin (1.0 KiB in "}, "\r"},
	}
	for _, tt := range tests {
		t.Run(map[bool]string{true: "terminal", false: "pipe"}[tt.live], func(t *testing.T) {
			var b strings.Builder
			p := newProgress(&b, tt.live, "a.bin", 2048, 1024)
			p.add(512)
			p.done(nil)
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
