// Package filename turns a name a client sent into one Ferry may store and
// show: data, never a path.
package filename

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the longest stored name, the limit of most filesystems, so a
// downloaded file can be saved under the name it was shared with.
const MaxBytes = 255

// ErrEmpty reports a name with nothing left once cleaned.
var ErrEmpty = errors.New("file name is empty once path parts and control characters are removed")

// Clean keeps the last path element of name (either slash counts, since
// clients on Windows send backslashes), drops control characters and
// bidirectional overrides, which can make "evil.exe" display as
// "exe.live", trims spaces and dots at the ends, and shortens it to
// MaxBytes keeping the extension.
func Clean(name string) (string, error) {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(keep, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "", ErrEmpty
	}
	return shorten(name), nil
}

// keep drops runes that are invisible or reorder what is shown.
func keep(r rune) rune {
	if unicode.IsControl(r) || isBidi(r) {
		return -1
	}
	return r
}

func isBidi(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' ||
		(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// shorten cuts the stem, never the extension, on a rune boundary.
func shorten(name string) string {
	if len(name) <= MaxBytes {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
	}
	stem := name[:MaxBytes-len(ext)]
	for !utf8.ValidString(stem) {
		stem = stem[:len(stem)-1]
	}
	return strings.TrimRight(stem, " .") + ext
}
