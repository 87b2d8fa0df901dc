package filerequest

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// Options are what the owner chooses for a request.
type Options struct {
	Title     string
	Message   string
	ExpiresIn time.Duration
	MaxFiles  int   // 0: no limit
	MaxBytes  int64 // 0: no limit of its own
	Password  string
	Notify    bool // a mail to the owner per received upload
}

// Bounds on what a request and its uploaders may say.
const (
	MaxTitle    = 200
	MaxMessage  = 2000
	MaxName     = 100
	MaxNote     = 2000
	MaxMaxFiles = 10000
)

// Input is a request's options as a client sends them; nil or "" fields
// take their defaults.
type Input struct {
	Title     string
	Message   string
	ExpiresIn string
	MaxFiles  *int
	MaxBytes  *int64
	Password  string
	Notify    *bool // nil: true
}

// Parse checks in against the operator's limits on links (the expiry
// defaults to, and may not pass, those of shares). A field at fault is a
// *share.FieldError naming it.
func Parse(in Input, lim share.Limits) (Options, error) {
	o := Options{Title: strings.TrimSpace(in.Title), Message: strings.TrimSpace(in.Message), ExpiresIn: lim.DefaultExpiresIn, Password: in.Password, Notify: true}
	if o.Title == "" || utf8.RuneCountInString(o.Title) > MaxTitle || strings.ContainsFunc(o.Title, unicode.IsControl) {
		return Options{}, &share.FieldError{Field: "title", Message: "must be 1 to 200 characters on one line"}
	}
	if utf8.RuneCountInString(o.Message) > MaxMessage || !utf8.ValidString(o.Message) {
		return Options{}, &share.FieldError{Field: "message", Message: "may be at most 2000 characters"}
	}
	if in.ExpiresIn != "" {
		d, err := units.ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			return Options{}, &share.FieldError{Field: "expires_in", Message: "must be a duration such as 90m, 24h or 7d"}
		}
		if d > lim.MaxExpiresIn {
			return Options{}, &share.FieldError{Field: "expires_in", Message: "may be at most " + units.Duration(lim.MaxExpiresIn).String()}
		}
		o.ExpiresIn = d
	}
	if in.MaxFiles != nil {
		if *in.MaxFiles < 1 || *in.MaxFiles > MaxMaxFiles {
			return Options{}, &share.FieldError{Field: "max_files", Message: "must be a whole number from 1 to 10000"}
		}
		o.MaxFiles = *in.MaxFiles
	}
	if in.MaxBytes != nil {
		if *in.MaxBytes < 1 {
			return Options{}, &share.FieldError{Field: "max_bytes", Message: "must be a number of bytes of at least 1"}
		}
		o.MaxBytes = *in.MaxBytes
	}
	if in.Notify != nil {
		o.Notify = *in.Notify
	}
	if len(o.Password) > 1024 || strings.ContainsAny(o.Password, "\x00\r\n") {
		return Options{}, &share.FieldError{Field: "password", Message: "must be at most 1024 characters on one line"}
	}
	return o, nil
}

// ParseUploader checks what an anonymous uploader says about themselves:
// a name on one line of at most MaxName characters and a note of at most
// MaxNote, both trimmed, valid UTF-8 and free of control characters but
// the note's line breaks and tabs.
func ParseUploader(name, note string) (Uploader, error) {
	u := Uploader{Name: strings.TrimSpace(name), Note: strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))}
	if !utf8.ValidString(u.Name) || utf8.RuneCountInString(u.Name) > MaxName || strings.ContainsFunc(u.Name, unicode.IsControl) {
		return Uploader{}, &share.FieldError{Field: "from", Message: "must be at most 100 characters on one line"}
	}
	badNote := func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }
	if !utf8.ValidString(u.Note) || utf8.RuneCountInString(u.Note) > MaxNote || strings.ContainsFunc(u.Note, badNote) {
		return Uploader{}, &share.FieldError{Field: "note", Message: "may be at most 2000 characters"}
	}
	return u, nil
}
