//go:build race

package jobs

// raceEnabled: the race detector slows image decoding about tenfold, so
// the thumbnail tests decode smaller images against a smaller budget,
// keeping the same proportions.
const raceEnabled = true
