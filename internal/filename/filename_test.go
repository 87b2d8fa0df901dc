package filename

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	long := strings.Repeat("é", 200) + ".tar.gz"
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"report.pdf", "report.pdf", false},
		{"../../etc/passwd", "passwd", false},
		{`..\..\windows\system.ini`, "system.ini", false},
		{"/absolute/path.txt", "path.txt", false},
		{"a\x00b\x1fc\x7f.txt", "abc.txt", false},
		{"invoice\u202Efdp.exe", "invoicefdp.exe", false},
		{"  spaced name.txt  ", "spaced name.txt", false},
		{"..", "", true},
		{"dir/", "", true},
		{"\x00\x01", "", true},
		{"", "", true},
		{"bad\xffutf8.txt", "bad\uFFFDutf8.txt", false},
		{"日本語のファイル.txt", "日本語のファイル.txt", false},
	}
	for _, tt := range tests {
		got, err := Clean(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Clean(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	got, err := Clean(long)
	if err != nil || len(got) > MaxBytes || !strings.HasSuffix(got, ".gz") || !utf8.ValidString(got) {
		t.Errorf("Clean(long) = %q (%d bytes), %v", got, len(got), err)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", `a\b`, "\u202Eexe.txt", strings.Repeat("ab", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Clean(s)
		if err != nil {
			return
		}
		switch {
		case got == "" || got == "." || got == "..":
			t.Fatalf("Clean(%q) = %q", s, got)
		case strings.ContainsAny(got, "/\\\x00"):
			t.Fatalf("Clean(%q) = %q holds a separator or NUL", s, got)
		case len(got) > MaxBytes || !utf8.ValidString(got):
			t.Fatalf("Clean(%q) = %q: too long or not UTF-8", s, got)
		}
		if again, _ := Clean(got); again != got {
			t.Fatalf("Clean is not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
