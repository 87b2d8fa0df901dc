// Package download holds what serving a stored file needs beyond the bytes:
// the byte range asked for and the name offered to save it under.
package download

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Range is the part of a file a request asks for.
type Range struct {
	Start, Length int64
}

// ErrUnsatisfiable means the Range lies wholly outside the file: answer 416.
var ErrUnsatisfiable = errors.New("range not satisfiable")

// ParseRange reads a Range header for a file of size bytes. It returns
// ok=false when the whole file should be sent: no header, a header it does
// not understand (RFC 9110 lets a server ignore those) or several ranges,
// which Ferry does not serve as multipart.
func ParseRange(header string, size int64) (r Range, ok bool, err error) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return Range{}, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return Range{}, false, nil
	}
	if first == "" {
		return suffix(last, size)
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return Range{}, false, nil
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return Range{}, false, nil
		}
	}
	if start >= size {
		return Range{}, false, ErrUnsatisfiable
	}
	return Range{Start: start, Length: min(end, size-1) - start + 1}, true, nil
}

// suffix handles "bytes=-N": the last N bytes.
func suffix(last string, size int64) (Range, bool, error) {
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil || n < 0 {
		return Range{}, false, nil
	}
	if n == 0 || size == 0 {
		return Range{}, false, ErrUnsatisfiable
	}
	n = min(n, size)
	return Range{Start: size - n, Length: n}, true, nil
}

// ContentRange is the Content-Range value for r within size bytes.
func (r Range) ContentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.Start+r.Length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// Attachment is a Content-Disposition that makes browsers save, never show,
// the file: a plain ASCII filename for old clients and the exact UTF-8 one
// in filename* (RFC 6266, RFC 5987). A name with folders ("a/b.txt") is
// saved under its last segment.
func Attachment(name string) string {
	name = name[strings.LastIndexByte(name, '/')+1:]
	return `attachment; filename="` + asciiFallback(name) + `"; filename*=UTF-8''` + encode5987(name)
}

func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r < 0x20 || r > 0x7e:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// encode5987 percent-encodes everything but RFC 5987's attr-chars.
func encode5987(name string) string {
	// url.PathEscape leaves a few characters RFC 5987 does not allow.
	s := url.PathEscape(name)
	for _, c := range []string{"'", "(", ")", "*", ",", ";", "=", "@", ":", "/", "?", "[", "]"} {
		s = strings.ReplaceAll(s, c, "%"+strings.ToUpper(strconv.FormatInt(int64(c[0]), 16)))
	}
	return s
}
