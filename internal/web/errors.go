package web

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Error is a failure a client may be told about: a status, a stable code and
// a message meant for people. Anything else a handler returns is internal
// and reaches the client only as "internal_error".
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

var (
	errInternal = &Error{http.StatusInternalServerError, "internal_error", "something went wrong on our side; the request id is in the X-Request-ID header"}
	errNotFound = &Error{http.StatusNotFound, "not_found", "no such resource"}
)

// writeError is the one place an error becomes a response.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = errInternal
	}
	writeJSON(w, e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
