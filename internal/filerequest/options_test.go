package filerequest

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ferryhq/ferry/internal/share"
)

var limits = share.Limits{DefaultExpiresIn: 24 * time.Hour, MaxExpiresIn: 7 * 24 * time.Hour}

func TestParse(t *testing.T) {
	n, zero, neg, yes, no := 3, 0, int64(-1), true, false
	size := int64(1000)
	tests := []struct {
		name  string
		in    Input
		field string // "" when accepted
		want  Options
	}{
		{"defaults", Input{Title: " Scans "}, "", Options{Title: "Scans", ExpiresIn: 24 * time.Hour, Notify: true}},
		{"everything", Input{Title: "T", Message: "m", ExpiresIn: "2d", MaxFiles: &n, MaxBytes: &size, Password: "pw", Notify: &no},
			"", Options{Title: "T", Message: "m", ExpiresIn: 48 * time.Hour, MaxFiles: 3, MaxBytes: 1000, Password: "pw"}},
		{"notify on", Input{Title: "T", Notify: &yes}, "", Options{Title: "T", ExpiresIn: 24 * time.Hour, Notify: true}},
		{"no title", Input{}, "title", Options{}},
		{"a title on two lines", Input{Title: "a\nb"}, "title", Options{}},
		{"a long title", Input{Title: strings.Repeat("é", MaxTitle+1)}, "title", Options{}},
		{"a long message", Input{Title: "T", Message: strings.Repeat("m", MaxMessage+1)}, "message", Options{}},
		{"past the longest expiry", Input{Title: "T", ExpiresIn: "8d"}, "expires_in", Options{}},
		{"a bad expiry", Input{Title: "T", ExpiresIn: "soon"}, "expires_in", Options{}},
		{"no files", Input{Title: "T", MaxFiles: &zero}, "max_files", Options{}},
		{"negative bytes", Input{Title: "T", MaxBytes: &neg}, "max_bytes", Options{}},
		{"a password on two lines", Input{Title: "T", Password: "a\nb"}, "password", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, limits)
			var fe *share.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("got %v, want a refusal of %s", err, tt.field)
			case tt.field == "" && got != tt.want:
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseUploader(t *testing.T) {
	tests := []struct {
		name, from, note string
		field            string
		want             Uploader
	}{
		{"none", "", "", "", Uploader{}},
		{"trimmed", "  Ann ", " hi\r\nthere ", "", Uploader{Name: "Ann", Note: "hi\nthere"}},
		{"a name on two lines", "a\nb", "", "from", Uploader{}},
		{"a long name", strings.Repeat("n", MaxName+1), "", "from", Uploader{}},
		{"a control character in the note", "", "a\x1bb", "note", Uploader{}},
		{"invalid UTF-8", "\xff", "", "from", Uploader{}},
		{"a long note", "", strings.Repeat("n", MaxNote+1), "note", Uploader{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUploader(tt.from, tt.note)
			var fe *share.FieldError
			switch {
			case tt.field == "" && (err != nil || got != tt.want):
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("got %v, want a refusal of %s", err, tt.field)
			}
		})
	}
}

// FuzzParseUploader: whatever an anonymous uploader sends, what is kept
// is valid UTF-8 within its bounds, the name on one line and the note
// free of control characters but line breaks and tabs; anything else is
// refused, naming the field.
func FuzzParseUploader(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"Ann", "hi\r\nthere"}, {"a\nb", ""}, {"\xff", "\x00"}, {"é", "\t"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, from, note string) {
		u, err := ParseUploader(from, note)
		if err != nil {
			var fe *share.FieldError
			if !errors.As(err, &fe) || (fe.Field != "from" && fe.Field != "note") {
				t.Fatalf("refusal %v names no field", err)
			}
			return
		}
		if !utf8.ValidString(u.Name) || !utf8.ValidString(u.Note) || utf8.RuneCountInString(u.Name) > MaxName || utf8.RuneCountInString(u.Note) > MaxNote {
			t.Fatalf("kept %q, %q", u.Name, u.Note)
		}
		if strings.ContainsFunc(u.Name, unicode.IsControl) || strings.ContainsFunc(u.Note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			t.Fatalf("kept control characters: %q, %q", u.Name, u.Note)
		}
	})
}
