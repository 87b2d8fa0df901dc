// Package logging builds the one logger each process writes with: JSON
// objects, one per line, on stdout, and nowhere else.
package logging

import (
	"io"
	"log/slog"
)

// New returns a JSON logger at level that writes to w and names the
// process type on every line, so mixed streams stay readable.
func New(w io.Writer, level slog.Leveler, process string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(h).With("process", process)
}

// Err is the attribute errors are logged under, with their whole chain.
func Err(err error) slog.Attr { return slog.String("error", err.Error()) }
