package filename

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"plain name", "report.pdf", "report.pdf", nil},
		{"folders kept", "a/b/c.txt", "a/b/c.txt", nil},
		{"backslashes are separators", `photos\2024\x.jpg`, "photos/2024/x.jpg", nil},
		{"absolute made relative", "/etc/passwd", "etc/passwd", nil},
		{"windows drive dropped", `C:\Users\me\a.txt`, "Users/me/a.txt", nil},
		{"drive after a dot segment dropped", "./C:/x", "x", nil},
		{"empty and dot segments dropped", "a//./b/./c.txt", "a/b/c.txt", nil},
		{"segment ends trimmed", " a. / b .txt ", "a/b .txt", nil},
		{"bidi override dropped", "d/invoice\u202Efdp.exe", "d/invoicefdp.exe", nil},
		{"climbing refused", "a/../../etc/passwd", "", ErrClimb},
		{"climbing with backslash refused", `..\x`, "", ErrClimb},
		{"control char refused", "a/b\x00c.txt", "", ErrControl},
		{"newline refused", "a\nb.txt", "", ErrControl},
		{"nothing left", "/./ /", "", ErrEmpty},
		{"empty", "", "", ErrEmpty},
		{"too deep", strings.Repeat("d/", MaxDepth+1) + "f", "", ErrTooLong},
		{"too long", strings.Repeat(strings.Repeat("x", 200)+"/", 6) + "f", "", ErrTooLong},
		{"invalid utf8 replaced", "d/bad\xff.txt", "d/bad\uFFFD.txt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanPath(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
	t.Run("long segment shortened", func(t *testing.T) {
		got, err := CleanPath("d/" + strings.Repeat("é", 200) + ".txt")
		if err != nil || len(Base(got)) > MaxBytes || !strings.HasSuffix(got, ".txt") {
			t.Errorf("got %q, %v", got, err)
		}
	})
}

func TestUnique(t *testing.T) {
	taken := map[string]bool{}
	in := []string{"a.txt", "a.txt", "d.x/a", "d.x/a", "a.txt", "a (2).txt"}
	want := []string{"a.txt", "a (2).txt", "d.x/a", "d.x/a (2)", "a (3).txt", "a (2) (2).txt"}
	for i, name := range in {
		if got := Unique(taken, name); got != want[i] {
			t.Errorf("Unique(%q) #%d = %q, want %q", name, i, got, want[i])
		}
	}
	long := strings.Repeat("é", 127) + ".txt"
	taken[long] = true
	if got := Unique(taken, long); len(got) > MaxBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, " (2).txt") {
		t.Errorf("Unique(long) = %q (%d bytes)", got, len(got))
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b/c.txt", `..\x`, "/abs", "C:/x", "a//./b", " . /x", "\u202E.exe", strings.Repeat("a/", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CleanPath(in)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || len(got) > MaxPathBytes || got == "" {
			t.Fatalf("CleanPath(%q) = %q", in, got)
		}
		if strings.HasPrefix(got, "/") || strings.Contains(got, `\`) {
			t.Fatalf("CleanPath(%q) = %q is absolute or has a backslash", in, got)
		}
		for _, seg := range strings.Split(got, "/") {
			if seg == "" || seg == "." || seg == ".." || len(seg) > MaxBytes || strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f || isBidi(r) }) {
				t.Fatalf("CleanPath(%q) = %q has a bad segment %q", in, got, seg)
			}
		}
		if again, err := CleanPath(got); err != nil || again != got {
			t.Fatalf("CleanPath is not idempotent on %q: %q, %v", got, again, err)
		}
	})
}
