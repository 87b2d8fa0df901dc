package devstack

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// tail keeps the last lines a server printed, to explain a failed start,
// and passes each line to the logger at debug level: servers' own logs
// are noise until something goes wrong.
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial []byte
	log     *slog.Logger
}

func newTail(max int, log *slog.Logger) *tail { return &tail{max: max, log: log} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(t.partial[:i])
		t.partial = t.partial[i+1:]
		t.log.Debug("server output", "line", line)
		t.lines = append(t.lines, line)
		if len(t.lines) > t.max {
			t.lines = t.lines[1:]
		}
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(append(t.lines, string(t.partial)), "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
