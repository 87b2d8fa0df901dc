// Command ferry is the whole of Ferry: web, worker, clock, migrations,
// admin tasks and a local development platform, one subcommand each.
package main

import (
	"os"

	"github.com/ferryhq/ferry/internal/cli"
)

func main() {
	ctx, stop := cli.SignalContext(os.Stdout)
	code := cli.Main(ctx, cli.OSEnv())
	stop()
	os.Exit(code)
}
