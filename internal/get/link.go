package get

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/ferryhq/ferry/internal/filename"
)

// link is a share link taken apart: the server, the share, and the file
// when the link names one.
type link struct {
	base   string // scheme, host and any path before /s/
	token  string
	fileID string // "": the share as a whole
	zip    bool   // the link is the share's zip
}

func (l link) shareURL() string { return l.base + "/s/" + url.PathEscape(l.token) }
func (l link) fileURL() string  { return l.shareURL() + "/files/" + url.PathEscape(l.fileID) }
func (l link) zipURL() string   { return l.shareURL() + "/zip" }

// parseLink reads a share link as Ferry prints it: .../s/{token} (the
// share page), .../s/{token}/files/{id} (one file) or .../s/{token}/zip.
// The shape is matched from the end, so a server under a path prefix
// works too.
func parseLink(raw string) (link, error) {
	bad := fmt.Errorf("%w: %q is not a share link (.../s/TOKEN or .../s/TOKEN/files/ID)", ErrUsage, raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return link{}, bad
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	var l link
	switch n := len(segs); {
	case n >= 4 && segs[n-4] == "s" && segs[n-2] == "files":
		segs, l.token, l.fileID = segs[:n-4], segs[n-3], segs[n-1]
	case n >= 3 && segs[n-3] == "s" && segs[n-1] == "zip":
		segs, l.token, l.zip = segs[:n-3], segs[n-2], true
	case n >= 2 && segs[n-2] == "s":
		segs, l.token = segs[:n-2], segs[n-1]
	default:
		return link{}, bad
	}
	if l.token, err = url.PathUnescape(l.token); err != nil || l.token == "" {
		return link{}, bad
	}
	if l.fileID, err = url.PathUnescape(l.fileID); err != nil {
		return link{}, bad
	}
	l.base = u.Scheme + "://" + u.Host
	if len(segs) > 0 && segs[0] != "" {
		l.base += "/" + strings.Join(segs, "/")
	}
	return l, nil
}

// errNoName is a Content-Disposition with no name Ferry may save under.
var errNoName = errors.New("the server named no file to save")

// saveName is the name to save a download under, from the server's
// Content-Disposition: the exact UTF-8 filename* when there is one (the
// mime package decodes RFC 5987 and prefers it), else filename. It is
// cleaned as an upload's name is, so whatever the server sends, it is
// one name in the folder: no path, no "..", no control characters.
func saveName(disposition string) (string, error) {
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return "", errNoName
	}
	name, err := filename.Clean(params["filename"])
	if err != nil {
		return "", errNoName
	}
	return name, nil
}
