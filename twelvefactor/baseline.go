package twelvefactor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// Baseline is the findings a team has accepted on an old project, so that
// only new ones fail a run. A finding is known by its fingerprint: the
// rule, the file and the text of its line, not the line's number, so
// lines moving up or down keep their findings baselined.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding.
type BaselineEntry struct {
	Rule        string `json:"rule"`
	File        string `json:"file"`
	Fingerprint string `json:"fingerprint"`
}

// Fingerprint identifies a finding across edits that move it.
func (f Finding) Fingerprint() string {
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + f.File + "\x00" + f.text))
	return hex.EncodeToString(sum[:8])
}

// Baseline lists the report's findings that are not ignored, for
// --write-baseline.
func (r *Report) Baseline() Baseline {
	b := Baseline{Version: 1, Findings: []BaselineEntry{}}
	for _, f := range r.Findings {
		if !f.Ignored {
			b.Findings = append(b.Findings, BaselineEntry{f.Rule, f.File, f.Fingerprint()})
		}
	}
	return b
}

// WriteBaseline writes the report's baseline as JSON.
func (r *Report) WriteBaseline(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Baseline())
}

// ReadBaseline reads a baseline file written by WriteBaseline.
func ReadBaseline(rd io.Reader) (Baseline, error) {
	var b Baseline
	if err := json.NewDecoder(rd).Decode(&b); err != nil {
		return b, fmt.Errorf("twelvefactor: reading the baseline: %w", err)
	}
	if b.Version != 1 {
		return b, fmt.Errorf("twelvefactor: baseline version %d, want 1", b.Version)
	}
	return b, nil
}

// ApplyBaseline marks the findings the baseline holds. Each entry
// covers one finding: a line that now has the same finding twice has one
// new one.
func (r *Report) ApplyBaseline(b Baseline) {
	r.baseline = true
	left := slices.Clone(b.Findings)
	for i := range r.Findings {
		fp := r.Findings[i].Fingerprint()
		j := slices.IndexFunc(left, func(e BaselineEntry) bool { return e.Fingerprint == fp })
		if j >= 0 {
			r.Findings[i].Baselined = true
			left = slices.Delete(left, j, j+1)
		}
	}
}
