// Package leakcheck collects, for a whole test run, every log line the
// code under test wrote and every secret the tests used (passwords, API
// tokens, share tokens, cookies), then reports any secret found in a log.
package leakcheck

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

// minLen keeps short values, which could appear in a log by chance, out
// of the check; every real secret is longer.
const minLen = 8

// Suite is one test binary's logs and secrets.
type Suite struct {
	mu      sync.Mutex
	logs    []*syncbuf.Buffer
	secrets map[string]string // value → what it is
}

// Secret records a value that must never appear in a log.
func (s *Suite) Secret(kind, value string) {
	value = strings.TrimSpace(value)
	if len(value) < minLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets == nil {
		s.secrets = map[string]string{}
	}
	s.secrets[value] = kind
}

// Log returns a new buffer whose contents are checked at the end.
func (s *Suite) Log() *syncbuf.Buffer {
	b := &syncbuf.Buffer{}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, b)
	return b
}

// Add records output captured elsewhere.
func (s *Suite) Add(out string) { _, _ = s.Log().Write([]byte(out)) }

// Leaks returns one line per secret found in a log, naming the kind of
// secret and quoting the line with the secret masked.
func (s *Suite) Leaks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for _, b := range s.logs {
		for _, line := range strings.Split(b.String(), "\n") {
			for value, kind := range s.secrets {
				if strings.Contains(line, value) {
					found = append(found, fmt.Sprintf("%s in log line: %s", kind, s.mask(line)))
				}
			}
		}
	}
	sort.Strings(found)
	return found
}

// mask hides every secret in line, so the report leaks none itself.
func (s *Suite) mask(line string) string {
	for value, kind := range s.secrets {
		line = strings.ReplaceAll(line, value, "<"+kind+">")
	}
	return line
}

// Summary says how much was checked, so a run that checked nothing shows.
func (s *Suite) Summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := 0
	for _, b := range s.logs {
		lines += strings.Count(b.String(), "\n")
	}
	return fmt.Sprintf("%d secrets against %d log lines", len(s.secrets), lines)
}

// Finish is the end of a TestMain: it prints the summary under -v (verbose)
// and any leak to w, and turns the run's exit code into a failure when a
// secret reached a log.
func (s *Suite) Finish(code int, verbose bool, w io.Writer) int {
	if verbose {
		fmt.Fprintln(w, "leak check:", s.Summary())
	}
	if leaks := s.Leaks(); len(leaks) > 0 {
		fmt.Fprintf(w, "secrets reached the logs (%s):\n%s\n", s.Summary(), strings.Join(leaks, "\n"))
		return 1
	}
	return code
}
