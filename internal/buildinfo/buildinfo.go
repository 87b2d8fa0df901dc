// Package buildinfo holds what the build stamped into the binary, so a
// running process can say exactly which release it is.
package buildinfo

import "fmt"

// Set at build time with -ldflags "-X github.com/ferryhq/ferry/internal/buildinfo.Version=...".
// They are variables only because the linker can set nothing else; nothing
// writes them at run time.
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// String is the one-line form `ferry version` prints.
func String() string {
	return fmt.Sprintf("ferry %s (commit %s, built %s)", Version, Commit, Date)
}
