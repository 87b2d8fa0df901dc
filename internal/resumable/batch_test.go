package resumable

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseBatch(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"none", "", "", true},
		{"shortest", strings.Repeat("a", 16), strings.Repeat("a", 16), true},
		{"longest", strings.Repeat("Z9_-", 16), strings.Repeat("Z9_-", 16), true},
		{"too short", strings.Repeat("a", 15), "", false},
		{"too long", strings.Repeat("a", 65), "", false},
		{"a space", "abcdefgh ijklmnopq", "", false},
		{"a slash", "abcdefgh/ijklmnopq", "", false},
		{"a dot", "abcdefgh.ijklmnopq", "", false},
		{"not ascii", "abcdefghijklmnopé", "", false},
		{"a newline", "abcdefghijklmnop\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBatch(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Errorf("ParseBatch(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, errBadBatch) {
				t.Errorf("error %v is not errBadBatch", err)
			}
		})
	}
}

var batchRule = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// FuzzParseBatch: whatever the metadata holds, a batch id is accepted
// exactly when it matches the rule the database checks too, and comes
// back unchanged.
func FuzzParseBatch(f *testing.F) {
	for _, s := range []string{"", "0123456789abcdef", "with space 0123456789", strings.Repeat("-", 64), strings.Repeat("x", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseBatch(in)
		want := in == "" || batchRule.MatchString(in)
		if want != (err == nil) {
			t.Fatalf("ParseBatch(%q) = %q, %v; the rule says ok %v", in, got, err, want)
		}
		if err == nil && got != in {
			t.Fatalf("ParseBatch(%q) = %q", in, got)
		}
	})
}
