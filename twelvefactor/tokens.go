package twelvefactor

import "strings"

// tokKind is what a token is.
type tokKind uint8

const (
	tokIdent tokKind = iota + 1
	tokString
	tokNumber
	tokPunct
)

// tok is one token: an identifier, a string's contents (quotes and
// escapes left as written), a number or one punctuation character (two
// for "::", "=>" and "?."). Line is where it starts, end where it ends.
type tok struct {
	kind      tokKind
	text      string
	line, end int
}

// syntax is what a tokenizer needs to know of a language: how comments
// and strings are written.
type syntax struct {
	line     []string // line comment openers: "//", "#"
	block    bool     // /* ... */ comments
	triple   bool     // """ and ''' strings (Python, Java text blocks)
	backtick bool     // `template` strings (JavaScript)
	regex    bool     // /regex/ literals after an operator (JavaScript, Ruby)
	rubyDoc  bool     // =begin ... =end comments
	prefixes string   // letters that may prefix a string: r, b, f, u in Python
}

var syntaxes = map[kind]syntax{
	kindGo:         {line: []string{"//"}, block: true, backtick: true},
	kindJS:         {line: []string{"//"}, block: true, backtick: true, regex: true},
	kindJSONConfig: {line: []string{"//"}, block: true},
	kindPython:     {line: []string{"#"}, triple: true, prefixes: "rbfuRBFU"},
	kindRuby:       {line: []string{"#"}, regex: true, rubyDoc: true},
	kindJava:       {line: []string{"//"}, block: true, triple: true},
}

// tokenize splits source into tokens, leaving out comments and
// whitespace. It never fails: an unterminated string or comment runs to
// the end of the input.
func tokenize(src string, sx syntax) []tok {
	var out []tok
	line := 1
	i := 0
	n := len(src)
	startOfLine := true
	for i < n {
		c := src[i]
		if c == '\n' {
			line++
			i++
			startOfLine = true
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		atLineStart := startOfLine
		startOfLine = false
		// Comments.
		if sx.rubyDoc && atLineStart && strings.HasPrefix(src[i:], "=begin") {
			stop := n
			if end := strings.Index(src[i:], "\n=end"); end >= 0 {
				stop = i + end + len("\n=end")
			}
			line += strings.Count(src[i:stop], "\n")
			i = stop
			for i < n && src[i] != '\n' {
				i++
			}
			continue
		}
		if lineComment(src[i:], sx.line) {
			for i < n && src[i] != '\n' {
				i++
			}
			continue
		}
		if sx.block && strings.HasPrefix(src[i:], "/*") {
			end := strings.Index(src[i+2:], "*/")
			stop := n
			if end >= 0 {
				stop = i + 2 + end + 2
			}
			line += strings.Count(src[i:stop], "\n")
			i = stop
			continue
		}
		// Strings, with an optional prefix such as r"..." or f'...'.
		if sx.prefixes != "" && strings.IndexByte(sx.prefixes, c) >= 0 {
			j := i
			for j < n && j-i < 2 && strings.IndexByte(sx.prefixes, src[j]) >= 0 {
				j++
			}
			if j < n && (src[j] == '"' || src[j] == '\'') && (i == 0 || !isIdentByte(src[i-1])) {
				i = j
				c = src[i]
			}
		}
		if c == '"' || c == '\'' || c == '`' && sx.backtick {
			t, next := readString(src, i, line, sx)
			out = append(out, t)
			line = t.end
			i = next
			continue
		}
		if c == '/' && sx.regex && regexAllowed(out) {
			if close, next, ok := skipRegex(src, i); ok {
				out = append(out, tok{tokString, src[i+1 : close], line, line})
				i = next
				continue
			}
		}
		if isIdentStart(c) {
			j := i + 1
			for j < n && isIdentByte(src[j]) {
				j++
			}
			out = append(out, tok{tokIdent, src[i:j], line, line})
			i = j
			continue
		}
		if c >= '0' && c <= '9' {
			j := i + 1
			for j < n && (isIdentByte(src[j]) || src[j] == '.') {
				j++
			}
			out = append(out, tok{tokNumber, src[i:j], line, line})
			i = j
			continue
		}
		if c >= 0x80 { // a non-ASCII byte outside strings: skip it
			i++
			continue
		}
		w := 1
		if i+1 < n {
			switch src[i : i+2] {
			case "::", "=>", "?.":
				w = 2
			}
		}
		out = append(out, tok{tokPunct, src[i : i+w], line, line})
		i += w
	}
	return out
}

func lineComment(s string, openers []string) bool {
	for _, o := range openers {
		if strings.HasPrefix(s, o) {
			return true
		}
	}
	return false
}

// readString reads the string starting at src[i], which is its quote.
func readString(src string, i, line int, sx syntax) (tok, int) {
	n := len(src)
	q := src[i]
	if sx.triple && q != '`' && strings.HasPrefix(src[i:], strings.Repeat(string(q), 3)) {
		delim := strings.Repeat(string(q), 3)
		end := strings.Index(src[i+3:], delim)
		stop := n
		body := src[i+3:]
		if end >= 0 {
			body = src[i+3 : i+3+end]
			stop = i + 3 + end + 3
		}
		return tok{tokString, body, line, line + strings.Count(src[i:stop], "\n")}, stop
	}
	j := i + 1
	endLine := line
	for j < n {
		c := src[j]
		if c == '\\' {
			if j+1 < n && src[j+1] == '\n' {
				endLine++
			}
			j += 2
			continue
		}
		if c == q {
			return tok{tokString, src[i+1 : j], line, endLine}, j + 1
		}
		if c == '\n' {
			if q != '`' && sx.prefixes != "" { // a Python string ends at the line's end
				break
			}
			if q != '`' && !sx.regex && !sx.block { // nor does Ruby's, by our reading
				break
			}
			endLine++
		}
		j++
	}
	return tok{tokString, src[i+1 : min(j, n)], line, endLine}, min(j, n)
}

// regexAllowed says whether a / here starts a regular expression rather
// than dividing: after an operator, an opening bracket, a comma, a
// keyword such as return, or at the start.
func regexAllowed(prev []tok) bool {
	if len(prev) == 0 {
		return true
	}
	p := prev[len(prev)-1]
	switch p.kind {
	case tokNumber, tokString:
		return false
	case tokIdent:
		switch p.text {
		case "return", "typeof", "case", "in", "of", "new", "delete", "void", "throw", "when", "if", "unless", "and", "or", "not":
			return true
		}
		return false
	}
	return p.text != ")" && p.text != "]" && p.text != "}"
}

// skipRegex finds the closing / of /.../flags on one line and the end of
// its flags; ok is false when the line ends first, so the / divided.
func skipRegex(src string, i int) (closing, next int, ok bool) {
	inClass := false
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '\n':
			return 0, 0, false
		case c == '\\':
			j++
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			k := j + 1
			for k < len(src) && isIdentByte(src[k]) {
				k++
			}
			return j, k, true
		}
	}
	return 0, 0, false
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c == '@' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// codeLines marks the lines that hold code: any token's lines. A line
// with none is blank, or a comment only.
func codeLines(toks []tok, lines int) []bool {
	out := make([]bool, lines+2)
	for _, t := range toks {
		for l := t.line; l <= t.end && l < len(out); l++ {
			out[l] = true
		}
	}
	return out
}
