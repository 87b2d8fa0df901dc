package filename

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPathBytes bounds a whole relative path, folders and name together.
const MaxPathBytes = 1024

// MaxDepth bounds how many folders deep a path may go.
const MaxDepth = 32

var (
	// ErrClimb reports a path with a ".." segment, which would leave the
	// folder it was uploaded into.
	ErrClimb = errors.New(`file path may not hold a ".." segment`)
	// ErrControl reports a path holding a control character.
	ErrControl = errors.New("file path may not hold control characters")
	// ErrTooLong reports a path longer than MaxPathBytes or deeper than
	// MaxDepth.
	ErrTooLong = errors.New("file path is too long or too deep")
)

// CleanPath turns a relative path a client sent for a file of a folder
// upload ("photos/2024/a.jpg") into the name Ferry stores: segments joined
// by "/", never absolute, never climbing. Backslashes count as separators
// (Windows clients send them); empty and "." segments and a leading drive
// ("C:") are dropped; a ".." segment is ErrClimb and a control character
// ErrControl. Each segment loses bidirectional overrides and spaces and
// dots at its ends, as Clean does, and is shortened to MaxBytes; the whole
// is at most MaxPathBytes and MaxDepth folders deep (ErrTooLong). A name
// without folders comes out as Clean would make it.
func CleanPath(p string) (string, error) {
	p = strings.ToValidUTF8(p, "\uFFFD")
	if strings.ContainsFunc(p, unicode.IsControl) {
		return "", ErrControl
	}
	raw := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
	segs := make([]string, 0, len(raw))
	for i, s := range raw {
		if s == ".." {
			return "", ErrClimb
		}
		if len(segs) == 0 && i < len(raw)-1 && isDrive(s) {
			continue
		}
		s = strings.Trim(strings.Map(keep, s), " .")
		if s == "" {
			continue
		}
		segs = append(segs, shorten(s))
	}
	if len(segs) == 0 {
		return "", ErrEmpty
	}
	if len(segs) > MaxDepth+1 {
		return "", ErrTooLong
	}
	out := strings.Join(segs, "/")
	if len(out) > MaxPathBytes {
		return "", ErrTooLong
	}
	return out, nil
}

// isDrive reports a Windows drive letter, "C:".
func isDrive(s string) bool {
	return len(s) == 2 && s[1] == ':' && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z')
}

// Base is the last segment of a stored path: the name a single download
// is saved under.
func Base(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// Unique gives name a number before its extension, "a.txt", "a (2).txt",
// when taken already holds it, and records the name it returns in taken,
// so that no two files of one share, or entries of its zip, have the same
// path. The number goes into the last segment: "d/a (2).txt".
func Unique(taken map[string]bool, name string) string {
	if !taken[name] {
		taken[name] = true
		return name
	}
	dir, base := "", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		dir, base = name[:i+1], name[i+1:]
	}
	stem, ext := base, ""
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		stem, ext = base[:i], base[i:]
	}
	for n := 2; ; n++ {
		suffix := " (" + strconv.Itoa(n) + ")" + ext
		c := dir + trimTo(stem, MaxBytes-len(suffix)) + suffix
		if !taken[c] {
			taken[c] = true
			return c
		}
	}
}

// trimTo cuts s to at most n bytes on a rune boundary.
func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:max(n, 0)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
