package web

import (
	"net/http"
	"regexp"
	"strings"
)

// apiMux registers API routes and remembers each path's methods, so that a
// wrong method gets the JSON 405 with Allow that API clients expect rather
// than the mux's plain-text one.
type apiMux struct {
	mux      *http.ServeMux
	methods  map[string][]string
	order    []string
	patterns []string
}

// HandleFunc registers "METHOD /path".
func (a *apiMux) HandleFunc(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	// "/files/{name}" and "/files/{id}" are one path to the mux.
	shape := wildcard.ReplaceAllString(path, "{x}")
	if _, ok := a.methods[shape]; !ok {
		a.order = append(a.order, shape)
	}
	a.methods[shape] = append(a.methods[shape], method)
	a.patterns = append(a.patterns, pattern)
	a.mux.HandleFunc(pattern, h)
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// finish adds the method-less fallback of every path: the mux prefers
// patterns with a method, so the fallback sees only the wrong ones.
func (a *apiMux) finish() {
	for _, path := range a.order {
		allow := strings.Join(a.methods[path], ", ")
		a.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, r, apiError(http.StatusMethodNotAllowed, "method_not_allowed", "this endpoint takes "+allow))
		})
	}
}
