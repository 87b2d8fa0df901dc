package get

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	tests := []struct {
		in   string
		want link
		bad  bool
	}{
		{in: "https://f.example/s/abc", want: link{base: "https://f.example", token: "abc"}},
		{in: "https://f.example/s/abc/", want: link{base: "https://f.example", token: "abc"}},
		{in: " http://f.example:3000/s/abc/files/f1 ", want: link{base: "http://f.example:3000", token: "abc", fileID: "f1"}},
		{in: "https://f.example/s/abc/zip", want: link{base: "https://f.example", token: "abc", zip: true}},
		{in: "https://f.example/ferry/s/abc/files/f1", want: link{base: "https://f.example/ferry", token: "abc", fileID: "f1"}},
		{in: "https://f.example/s/s/files/s", want: link{base: "https://f.example", token: "s", fileID: "s"}},
		{in: "https://f.example/s/a%2Fb", want: link{base: "https://f.example", token: "a/b"}},
		{in: "ftp://f.example/s/abc", bad: true},
		{in: "f.example/s/abc", bad: true},
		{in: "https://f.example/", bad: true},
		{in: "https://f.example/s", bad: true},
		{in: "https://f.example/s/abc/files", bad: true},
		{in: "https://f.example/s/abc/thumbnail/x/y", bad: true},
		{in: "https://f.example/api/v1/files/x", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseLink(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrUsage) {
					t.Errorf("parseLink = %+v, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseLink = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestSaveName(t *testing.T) {
	tests := []struct {
		header, want string
	}{
		{`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`, "report.pdf"},
		{`attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`, "résumé.pdf"},
		{`attachment; filename="../../etc/passwd"`, "passwd"},
		{`attachment; filename*=UTF-8''..%2F..%2F.bashrc`, "bashrc"},
		{`attachment; filename="C:\\Windows\\evil.exe"`, "evil.exe"},
		{`attachment; filename="a` + "\u202e" + `txt.exe"`, "atxt.exe"},
		{`attachment; filename=".."`, ""},
		{`attachment; filename="/"`, ""},
		{`attachment`, ""},
		{`not a header; =`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, err := saveName(tt.header)
			if (err != nil) != (tt.want == "") || got != tt.want {
				t.Errorf("saveName = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// FuzzSaveName: whatever a server sends, the name is one entry of the
// folder: no separator, not "." or "..", not empty.
func FuzzSaveName(f *testing.F) {
	f.Add(`attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)
	f.Add(`attachment; filename="../../x"`)
	f.Add(`attachment; filename*=UTF-8''%2E%2E`)
	f.Fuzz(func(t *testing.T, header string) {
		name, err := saveName(header)
		if err != nil {
			return
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
			t.Errorf("saveName(%q) = %q", header, name)
		}
	})
}

// FuzzParseLink: a link parses into parts that rebuild a link to the
// same server, or is refused as usage.
func FuzzParseLink(f *testing.F) {
	f.Add("https://f.example/s/abc/files/f1")
	f.Add("http://h/x/s/t/zip")
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := parseLink(raw)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("parseLink(%q): %v is no usage error", raw, err)
			}
			return
		}
		if l.token == "" || !strings.HasPrefix(l.shareURL(), l.base+"/s/") {
			t.Errorf("parseLink(%q) = %+v", raw, l)
		}
	})
}
