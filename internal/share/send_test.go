package share

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSend(t *testing.T) {
	t.Parallel()
	many := make([]string, 11)
	for i := range many {
		many[i] = string(rune('a'+i)) + "@example.com"
	}
	tests := []struct {
		name    string
		to      []string
		message string
		field   string // "" : accepted
	}{
		{"one", []string{"ann@example.com"}, "hello", ""},
		{"ten, no message", many[:10], "", ""},
		{"spaces trimmed", []string{" ann@example.com "}, "  hi  ", ""},
		{"none", nil, "hi", "to"},
		{"eleven", many, "", "to"},
		{"display name", []string{"Ann <ann@example.com>"}, "", "to"},
		{"two in one", []string{"a@example.com, b@example.com"}, "", "to"},
		{"not an address", []string{"ann"}, "", "to"},
		{"header injection", []string{"ann@example.com\r\nBcc: x@y.z"}, "", "to"},
		{"twice, another case", []string{"ann@example.com", "ANN@example.com"}, "", "to"},
		{"long message", []string{"ann@example.com"}, strings.Repeat("é", 1001), "message"},
		{"not utf-8", []string{"ann@example.com"}, "\xff", "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSend(tt.to, tt.message)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field == "":
				if len(got.To) != len(tt.to) || got.Message != strings.TrimSpace(tt.message) {
					t.Errorf("got %+v", got)
				}
			case !errors.As(err, &fe) || fe.Field != tt.field:
				t.Errorf("error %v, want a field error on %s", err, tt.field)
			}
		})
	}
}

// FuzzParseSend: whatever arrives, an accepted sending has one to ten
// distinct addresses with no line breaks, and a bounded message.
func FuzzParseSend(f *testing.F) {
	f.Add("ann@example.com", "bob@example.com", "hello")
	f.Add("Ann <ann@example.com>", "", "")
	f.Add("a@b.c\r\nBcc: x@y", "x", "\xff")
	f.Fuzz(func(t *testing.T, a, b, message string) {
		got, err := ParseSend([]string{a, b}, message)
		if err != nil {
			return
		}
		if len(got.To) != 2 || strings.EqualFold(got.To[0], got.To[1]) {
			t.Fatalf("accepted %q", got.To)
		}
		for _, to := range got.To {
			if strings.ContainsAny(to, "\r\n<> ,") {
				t.Fatalf("accepted address %q", to)
			}
		}
		if len([]rune(got.Message)) > MaxSendMessage {
			t.Fatalf("message of %d characters", len([]rune(got.Message)))
		}
	})
}
