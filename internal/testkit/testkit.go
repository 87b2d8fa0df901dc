// Package testkit holds the small helpers many test packages share; its
// sub-packages give them backing services (dbtest, blobtest, mailtest) and
// checks on a whole run (leakcheck).
package testkit

import "testing"

// SkipShort skips t in the fast lane (`go test -short`, `make test-short`).
// Tests that drive a browser, start real processes or servers, or build
// binaries call it first, with why in a few words, so a skip says what
// the fast lane left out. `make test` runs them all.
func SkipShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: " + why)
	}
}
