package download

import (
	"strings"
	"testing"
)

func TestNoneMatch(t *testing.T) {
	const etag = `"abc"`
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`*`, true},
		{` * `, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"x",W/"abc"`, true},
		{`"x"`, false},
		{``, false},
		{`abc`, false},
		{`"abcd"`, false},
		{`w/"abc"`, false}, // the prefix is case-sensitive
		{`"x", "y"`, false},
	} {
		t.Run(tc.header, func(t *testing.T) {
			if got := NoneMatch(tc.header, etag); got != tc.want {
				t.Errorf("NoneMatch(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

func FuzzNoneMatch(f *testing.F) {
	for _, s := range []string{`"abc"`, `*`, `W/"abc", "x"`, `,,,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := NoneMatch(header, `"abc"`)
		// A header that holds neither the ETag nor a star never matches.
		if got && !strings.Contains(header, `"abc"`) && !strings.Contains(header, "*") {
			t.Fatalf("NoneMatch(%q) matched", header)
		}
	})
}
