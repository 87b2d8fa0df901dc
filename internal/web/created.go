package web

import (
	"mime"
	"net/http"
	"slices"
	"strings"
)

// The query parameters of the endpoints that create a share; any other
// is refused, so that a typo (max_download=3) is not a silent default.
var (
	putFileParams    = []string{"expires_in", "max_downloads", "notify", "format"}
	createdParams    = []string{"format"}
	errUnknownFormat = apiError(http.StatusBadRequest, "invalid_field", "format must be url (the share link alone, as text) or json")
)

// knownParams refuses a query parameter that is not one of allowed,
// naming every unknown one.
func knownParams(r *http.Request, allowed []string) error {
	var unknown []string
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return apiError(http.StatusBadRequest, "unknown_parameter",
		"unknown query parameter "+strings.Join(unknown, ", ")+"; this endpoint takes "+strings.Join(allowed, ", "))
}

// wantsURL reports whether the client asked for the share link alone:
// ?format=url, or, with no format, an Accept naming text/plain and not
// JSON (curl's */* gets JSON).
func wantsURL(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "url":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, errUnknownFormat
	}
	plain := false
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json":
			return false, nil
		case "text/plain":
			plain = true
		}
	}
	return plain, nil
}

// createParams checks a create request's query before any work: only
// allowed parameters, and a known format.
func createParams(r *http.Request, allowed []string) (asURL bool, err error) {
	if err := knownParams(r, allowed); err != nil {
		return false, err
	}
	return wantsURL(r)
}

// writeCreated answers 201 with Location: the share link alone on one
// line when asURL (what transfer.sh users expect from curl), else body
// as JSON.
func writeCreated(w http.ResponseWriter, location string, asURL bool, link string, body any) {
	w.Header().Set("Location", location)
	if !asURL {
		writeJSON(w, http.StatusCreated, body)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(link + "\n"))
}
