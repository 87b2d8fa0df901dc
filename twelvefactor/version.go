package twelvefactor

import "runtime/debug"

// Version is the release of the scanner, which SARIF output names. A
// release build stamps it with
// -ldflags "-X github.com/ferryhq/ferry/twelvefactor.Version=v1.2.3";
// it is a variable only because the linker can set nothing else.
var Version = "dev"

// modulePath is this module's path, to tell its own build information
// from that of a program that imports the package.
const modulePath = "github.com/ferryhq/ferry/twelvefactor"

// ToolVersion is Version when the build stamped it, else the module
// version that `go install .../cmd/twelvefactor@v1.2.3` records, so an
// installed binary names its release without any linker flags.
func ToolVersion() string {
	if Version != "dev" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	if info.Main.Path == modulePath && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, dep := range info.Deps { // imported by another program
		if dep.Path == modulePath && dep.Version != "" && dep.Version != "(devel)" {
			return dep.Version
		}
	}
	return Version
}
