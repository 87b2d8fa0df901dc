//go:build !race

package jobs

// raceEnabled: see race_test.go.
const raceEnabled = false
