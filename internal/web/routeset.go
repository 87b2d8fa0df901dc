package web

import "net/http"

// routeMux is what the page and public route lists register on.
type routeMux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// recordingMux registers on the ServeMux and remembers each pattern, so
// the failure series of every route can exist before its first request.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

// HandleFunc registers pattern and remembers it.
func (m *recordingMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, handler)
}
