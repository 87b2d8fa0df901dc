package download

import "strings"

// NoneMatch reports whether an If-None-Match header (its values joined
// with commas) names etag, the stored file's strong ETag, so a GET is
// answered 304 with nothing sent: "*", or a list in which etag appears,
// weak ("W/...") or not, as RFC 9110 section 13.1.2 compares them. A
// client that already holds the file must not spend a download on it.
func NoneMatch(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
