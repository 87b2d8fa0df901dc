// Package dbtest gives tests real backing services cheaply: each test gets
// its own Postgres database cloned from a migrated template (Pool, URL),
// or, cheaper still, a transaction on a shared migrated database that is
// rolled back when the test ends (Tx), and its own Redis key prefix.
// TEST_DATABASE_URL and TEST_REDIS_URL point at running servers (`make
// test` starts one of each for the whole run, internal/testkit/cmd/testenv);
// without them the first test that asks starts its own from local binaries
// (internal/devstack), once per test process.
//
// Tx is the first choice for code that takes a postgres.DB and needs no
// commit; Pool when the code commits, opens its own connections or runs
// River's workers; EmptyPool for tests of the migrations themselves.
//
// Import it from _test files only, and call Main (or Run) from TestMain so
// the servers this process started are stopped.
package dbtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// stoppers are the cleanups of what this process started, run by Run.
var stoppers struct {
	sync.Mutex
	fns []func() error
}

// onStop registers fn to run once the tests of this process are done.
func onStop(fn func() error) {
	stoppers.Lock()
	defer stoppers.Unlock()
	stoppers.fns = append(stoppers.fns, fn)
}

// Main runs the tests, stops what this process started and exits with the
// tests' code. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// MainNoLeaks is Main that also fails the run when a goroutine outlives
// the tests (go.uber.org/goleak), checked once the servers and pools this
// process started are stopped. opts ignore goroutines known to linger.
func MainNoLeaks(m *testing.M, opts ...goleak.Option) {
	code := Run(m)
	if err := goleak.Find(opts...); err != nil {
		fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
		code = 1
	}
	os.Exit(code)
}

// Run is Main for a TestMain with its own work to do before exiting: it runs
// the tests, stops what this process started and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	if err := stopAll(); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// stopAll runs the registered stops, newest first, and reports the first error.
func stopAll() error {
	stoppers.Lock()
	defer stoppers.Unlock()
	var first error
	for i := len(stoppers.fns) - 1; i >= 0; i-- {
		if err := stoppers.fns[i](); err != nil && first == nil {
			first = err
		}
	}
	stoppers.fns = nil
	return first
}

// randomHex returns n random bytes as hex, for names no other test uses.
func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dbtest: random name: %v", err)
	}
	return hex.EncodeToString(b)
}
