package twelvefactor

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed README.md
var readme string

// Explain is a rule's explanation: its section of README.md (what it
// finds, why it breaks the factor, the fix, an example) and the
// well-known libraries the table holds for it. ok is false for an
// unknown rule id.
func Explain(id string) (string, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	start := strings.Index(readme, "#### "+id+" (")
	if start < 0 {
		return "", false
	}
	section := readme[start:]
	for _, next := range []string{"\n#### ", "\n### ", "\n## "} {
		if end := strings.Index(section[4:], next); end >= 0 {
			section = section[:end+4]
		}
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(strings.TrimPrefix(section, "#### ")))
	b.WriteString("\n")
	r := ruleByID(id)
	fmt.Fprintf(&b, "\nFactor %d, %s by default.\n", r.Factor, r.Severity)
	first := true
	for _, l := range libraries {
		if l.rule != id {
			continue
		}
		if first {
			b.WriteString("\nWell-known libraries this rule knows:\n")
			first = false
		}
		use := ""
		switch l.use {
		case "":
		case "$":
			use = " (called without " + l.unless + ")"
		default:
			use = " (" + l.use
			if l.unless != "" {
				use += " without " + l.unless
			}
			use += ")"
		}
		fmt.Fprintf(&b, "  %-7s %s%s: %s; fix: %s\n", l.eco, l.module, use, l.what, l.fix)
	}
	return b.String(), true
}
