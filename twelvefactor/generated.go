package twelvefactor

import (
	"regexp"
	"strings"
)

// origin is where a file's content comes from, judged by the content.
type origin int

const (
	written   origin = iota
	generated        // a code generator's output: "Code generated ... DO NOT EDIT", @generated
	minified         // a bundle or minified file: very long lines, a source map
)

var generatedHeader = regexp.MustCompile(`(?m)^(?://|#|/\*|\*| \*)\s*(?:Code generated .* DO NOT EDIT\.?|.*@generated\b|.*auto-?generated (?:file|code)|.*this file (?:is|was) (?:auto-?)?generated)`)

// originOf tells written code from generated and minified files. Only
// the first lines are searched for a header, as generators put it there.
func originOf(rel, content string, lines []string) origin {
	base := strings.ToLower(rel[strings.LastIndex(rel, "/")+1:])
	if strings.Contains(base, ".min.") || strings.Contains(base, ".bundle.") || strings.HasSuffix(base, ".map") {
		return minified
	}
	// A source map says a tool wrote the file; a compiler's output with
	// ordinary lines (Babel's, tsc's) is still the app's code, read as
	// such, while a bundle's lines are huge. So the map lowers the bar
	// for a long line from 1,000 bytes to 500, and decides nothing alone.
	limit := 1000
	if strings.Contains(content, "sourceMappingURL=") {
		limit = 500
	}
	long, total := 0, 0
	for _, l := range lines {
		total += len(l)
		if len(l) > limit {
			long++
		}
	}
	// A bundle: a few huge lines, or lines averaging over 300 bytes.
	if long > 0 && (long*20 >= len(lines) || long >= 3) || len(lines) > 0 && total/len(lines) > 300 {
		return minified
	}
	head := content[:min(len(content), 4096)]
	if generatedHeader.MatchString(head) {
		return generated
	}
	return written
}
