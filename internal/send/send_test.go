package send

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

func TestExpand(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "photos")
	for _, p := range []string{"photos/a.jpg", "photos/2024/b.jpg", "photos/2024/deep/c.txt", "single.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "single.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	var warned []string
	warn := func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }
	got, err := expand(dir, warn)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.upload)
	}
	if want := "photos/2024/b.jpg photos/2024/deep/c.txt photos/a.jpg"; strings.Join(names, " ") != want {
		t.Errorf("expand(dir) sends %q, want %q", names, want)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "link.txt") {
		t.Errorf("warnings %q, want one for the symbolic link", warned)
	}
	if got, err := expand(filepath.Join(root, "single.txt"), warn); err != nil || len(got) != 1 || got[0].upload != "" {
		t.Errorf("expand(file) = %v, %v", got, err)
	}
	if _, err := expand(filepath.Join(root, "missing"), warn); err == nil {
		t.Error("expand(missing) is no error")
	}
}
