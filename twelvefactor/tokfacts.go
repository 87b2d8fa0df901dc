package twelvefactor

import (
	"regexp"
	"strings"
)

var ecoOf = map[kind]ecosystem{kindGo: ecoGo, kindJS: ecoJS, kindPython: ecoPython, kindRuby: ecoRuby, kindJava: ecoJava, kindJSONConfig: ecoJS}

// imported is one import: the module and the name it is bound to, if any.
type imported struct {
	module, binding string
	line            int
}

// tokenFacts reads a JavaScript, Python, Ruby or Java file's tokens for
// its imports, the library calls the table knows, SQLite or a server
// database chosen by a setting, and health routes.
func tokenFacts(k kind, rel string, toks []tok) codeFacts {
	var cf codeFacts
	eco := ecoOf[k]
	test := isTestPath(rel)
	imps := importsOf(eco, toks)
	for _, im := range imps {
		for _, l := range libraries {
			if l.eco == eco && l.use == "" && underModule(im.module, l.module) {
				cf.add(libraryRule(l), rel, im.line)
			}
		}
		if !test && slicesHas(sqliteModules[eco], im.module) {
			cf.sqlite(im.line)
		}
		if slicesHas(serverDBModules[eco], im.module) {
			cf.serverDB = true
		}
	}
	if eco == ecoJS && !test {
		if n := handLimiter(rel, toks); n > 0 {
			r := ruleByID("TF6-LOCAL-STATE")
			r.Message = "a rate limiter written here counts in process memory (an object or Map per client)"
			cf.add(r, rel, n)
		}
	}
	importLines := map[int]bool{}
	for _, im := range imps {
		importLines[im.line] = true
	}
	for i, t := range toks {
		switch t.kind {
		case tokString:
			if !test && healthRoute.MatchString(t.text) {
				cf.health = true
			}
			// A setting naming a driver: client: "sqlite3", "dialect": "sqlite",
			// adapter = 'sqlite3', DB_TYPE = "sqlite".
			if key := keyBefore(toks, i); key != "" && !test && dbKey.MatchString(key) {
				switch {
				case sqliteName.MatchString(t.text):
					cf.sqlite(t.line)
				case serverDBName.MatchString(t.text):
					cf.serverDB = true
				}
			}
			if !test && sqliteURL.MatchString(t.text) {
				cf.sqlite(t.line)
			}
		case tokIdent:
			if importLines[t.line] {
				continue // an import names what it imports; it uses none of it yet
			}
			if i > 0 && (toks[i-1].text == "." || toks[i-1].text == "::" || toks[i-1].text == "?.") {
				continue // the start of a dotted name only
			}
			name, next := dottedName(toks, i)
			call := next < len(toks) && toks[next].text == "("
			var args []tok
			if call {
				args = callArgs(toks, next)
			} else if next+1 < len(toks) && toks[next].text == ")" && toks[next+1].text == "(" && i >= 3 && toks[i-1].text == "," && toks[i-2].text == "0" && toks[i-3].text == "(" {
				// Compiled CommonJS calls an import as (0, m_1.default)(...).
				call, args = true, callArgs(toks, next+1)
			}
			if eco == ecoJS {
				name = strings.TrimSuffix(name, ".default")
			}
			for _, im := range imps {
				cf.tokenLibraryUse(rel, eco, im, name, call, args, t.line)
			}
			// A log file written by path: createWriteStream(logPath),
			// appendFileSync("app.log", ...).
			if call && eco == ecoJS && logWriter.MatchString(name) && logArg(args) {
				cf.add(ruleByID("TF11-LOG-FILE"), rel, t.line)
			}
		}
	}
	return cf
}

// logWriter is a call that opens or appends to a file by path.
var logWriter = regexp.MustCompile(`(?:^|\.)(?:createWriteStream|appendFile|appendFileSync|openSync)$`)

// logArg says whether a call's first argument names a log file: a string
// ending in .log or under /var/log. A variable named for logs is not
// enough: chat logs and audit trails are data kept in files of that name.
func logArg(args []tok) bool {
	depth := 0
	for _, a := range args {
		switch a.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				return false // past the first argument
			}
		}
		low := strings.ToLower(a.text)
		switch a.kind {
		case tokString:
			// twelve-factor:ignore TF11-LOG-FILE a path to look for; nothing is written
			if strings.HasSuffix(low, ".log") || strings.Contains(low, "/var/log/") {
				return true
			}
		}
	}
	return false
}

// sqliteURL is a connection string that opens SQLite.
var sqliteURL = regexp.MustCompile(`(?i)^(?:jdbc:)?sqlite3?:`)

// tokenLibraryUse applies the table's uses to one dotted name, once for
// each import it may belong to.
func (cf *codeFacts) tokenLibraryUse(rel string, eco ecosystem, im imported, name string, call bool, args []tok, line int) {
	for _, l := range libraries {
		if l.eco != eco || l.use == "" || !underModule(im.module, l.module) {
			continue
		}
		switch {
		case l.use == "$":
			if !call || im.binding == "" || name != im.binding && !ownMember(im, name) {
				continue
			}
		case !matchUse(l.use, name):
			continue
		case im.binding != "" && eco == ecoJS && !strings.HasPrefix(name, im.binding) && !strings.Contains(l.use, "."):
			// In JavaScript a use belongs to what the module was bound to
			// (winston.transports.File, or a destructured name).
			if name != l.use {
				continue
			}
		}
		if l.unless != "" && argsMention(args, l.unless) {
			continue
		}
		cf.add(libraryRule(l), rel, line)
	}
}

// ownMember says whether name is the module's own function reached
// through its binding, as compiled code calls a named export:
// express_rate_limit_1.rateLimit for express-rate-limit.
func ownMember(im imported, name string) bool {
	member, ok := strings.CutPrefix(name, im.binding+".")
	if !ok || member == "" || strings.Contains(member, ".") {
		return false
	}
	mod := strings.ToLower(strings.ReplaceAll(im.module[strings.LastIndex(im.module, "/")+1:], "-", ""))
	return strings.HasSuffix(mod, strings.ToLower(member))
}

// limiterName names a rate limiter or throttle.
var limiterName = regexp.MustCompile(`(?i)rate.?limit|limiter|throttl`)

// handLimiter finds a rate limiter written by hand that counts in process
// memory: a file or class named for limiting that keeps a new Map(), or
// an object literal on this, and talks to no shared store.
func handLimiter(rel string, toks []tok) int {
	named := limiterName.MatchString(rel[strings.LastIndex(rel, "/")+1:])
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].text == "class" && toks[i+1].kind == tokIdent && limiterName.MatchString(toks[i+1].text) {
			named = true
		}
	}
	if !named {
		return 0
	}
	at := 0
	for i, t := range toks {
		if t.kind == tokIdent && slicesHas([]string{"redis", "ioredis", "Redis", "createClient", "memcached"}, t.text) {
			return 0
		}
		// this.counts = {} (state of the instance), or any new Map(); a
		// plain var x = {} is usually a module's namespace object.
		this := i >= 3 && toks[i-3].text == "this" && toks[i-2].text == "."
		if at == 0 && i+3 < len(toks) && t.text == "=" && (this && toks[i+1].text == "{" && toks[i+2].text == "}" || toks[i+1].text == "new" && toks[i+2].text == "Map" && toks[i+3].text == "(") {
			at = t.line
		}
	}
	return at
}

// importsOf lists the file's imports.
func importsOf(eco ecosystem, toks []tok) []imported {
	var out []imported
	at := func(i int) string {
		if i >= 0 && i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	for i, t := range toks {
		if t.kind != tokIdent {
			continue
		}
		switch eco {
		case ecoJS:
			switch {
			case t.text == "require" && at(i+1) == "(" && i+2 < len(toks) && toks[i+2].kind == tokString:
				im := imported{module: toks[i+2].text, line: t.line}
				if at(i-1) == "=" && i >= 2 && toks[i-2].kind == tokIdent {
					im.binding = toks[i-2].text
				}
				// Compiled CommonJS wraps it: x_1 = __importDefault(require("m")).
				if at(i-1) == "(" && i >= 4 && toks[i-2].kind == tokIdent && at(i-3) == "=" && toks[i-4].kind == tokIdent {
					im.binding = toks[i-4].text
				}
				out = append(out, im)
				if at(i-1) == "=" && at(i-2) == "}" { // const { a, b } = require("m")
					for j := i - 3; j >= 0 && at(j) != "{"; j-- {
						if toks[j].kind == tokIdent {
							out = append(out, imported{module: im.module, binding: toks[j].text, line: t.line})
						}
					}
				}
			case t.text == "import" && at(i-1) != ".":
				out = append(out, jsImport(toks, i)...)
			}
		case ecoPython:
			if t.text == "import" && (i == 0 || toks[i-1].line != t.line) {
				for j := i + 1; j < len(toks) && toks[j].line == t.line; {
					mod, next := dottedName(toks, j)
					if mod == "" {
						break
					}
					im := imported{module: mod, binding: mod, line: t.line}
					if at(next) == "as" && next+1 < len(toks) {
						im.binding = toks[next+1].text
						next += 2
					}
					out = append(out, im)
					if at(next) != "," {
						break
					}
					j = next + 1
				}
			}
			if t.text == "from" && (i == 0 || toks[i-1].line != t.line) {
				mod, next := dottedName(toks, i+1)
				if at(next) == "import" {
					for j := next + 1; j < len(toks) && (toks[j].line == t.line || at(next+1) == "("); j++ {
						if toks[j].kind == tokIdent && toks[j].text != "as" {
							out = append(out, imported{module: mod, binding: toks[j].text, line: t.line})
						}
						if toks[j].text == ")" {
							break
						}
					}
					out = append(out, imported{module: mod, line: t.line})
				}
			}
		case ecoRuby:
			if (t.text == "require" || t.text == "gem") && i+1 < len(toks) {
				j := i + 1
				if at(j) == "(" {
					j++
				}
				if j < len(toks) && toks[j].kind == tokString {
					out = append(out, imported{module: toks[j].text, line: t.line})
				}
			}
		case ecoJava:
			if t.text == "import" {
				j := i + 1
				if at(j) == "static" {
					j++
				}
				mod, _ := dottedName(toks, j)
				if mod != "" {
					out = append(out, imported{module: mod, binding: mod[strings.LastIndex(mod, ".")+1:], line: t.line})
				}
			}
		}
	}
	// Ruby and Java name classes by their full path with no import, and
	// Ruby's standard library is always there: their uses apply anyway.
	if eco == ecoRuby || eco == ecoJava {
		for _, l := range libraries {
			if l.eco == eco && strings.Contains(l.use, ".") || l.eco == eco && strings.Contains(l.use, "::") {
				out = append(out, imported{module: l.module, line: 0})
			}
		}
	}
	return out
}

// jsImport reads import X from "m", import * as X from "m", import
// { a, b as c } from "m", import "m" and import("m").
func jsImport(toks []tok, i int) []imported {
	line := toks[i].line
	var bindings []string
	j := i + 1
	for ; j < len(toks) && j < i+64; j++ {
		t := toks[j]
		if t.kind == tokString {
			out := []imported{{module: t.text, line: line}}
			for _, b := range bindings {
				out = append(out, imported{module: t.text, binding: b, line: line})
			}
			return out
		}
		if t.kind == tokIdent && t.text != "from" && t.text != "as" && t.text != "type" && (j+1 >= len(toks) || toks[j+1].text != "as") {
			bindings = append(bindings, t.text)
		}
		if t.text == ";" {
			break
		}
	}
	return nil
}

// dottedName reads a.b.c (or A::B, a?.b) starting at toks[i]; next is
// the index after it.
func dottedName(toks []tok, i int) (string, int) {
	if i >= len(toks) || toks[i].kind != tokIdent {
		return "", i
	}
	var b strings.Builder
	b.WriteString(toks[i].text)
	j := i + 1
	for j+1 < len(toks) && (toks[j].text == "." || toks[j].text == "::" || toks[j].text == "?.") && toks[j+1].kind == tokIdent {
		sep := toks[j].text
		if sep == "?." {
			sep = "."
		}
		b.WriteString(sep)
		b.WriteString(toks[j+1].text)
		j += 2
	}
	return b.String(), j
}

// callArgs are the tokens between the parenthesis at toks[open] and its
// match (at most a few thousand, so a broken file costs little).
func callArgs(toks []tok, open int) []tok {
	depth := 0
	for j := open; j < len(toks) && j < open+4096; j++ {
		switch toks[j].text {
		case "(", "{", "[":
			depth++
		case ")", "}", "]":
			depth--
			if depth == 0 {
				return toks[open+1 : j]
			}
		}
	}
	return toks[open+1 : min(len(toks), open+4096)]
}

// argsMention says whether an identifier or key among args holds word.
func argsMention(args []tok, word string) bool {
	for _, a := range args {
		if (a.kind == tokIdent || a.kind == tokString) && strings.Contains(strings.ToLower(a.text), strings.ToLower(word)) {
			return true
		}
	}
	return false
}

// keyBefore is the key a string at toks[i] is the value of: key: "v",
// "key": "v", key = "v", key => "v"; or "".
func keyBefore(toks []tok, i int) string {
	if i < 2 {
		return ""
	}
	op := toks[i-1].text
	if op != ":" && op != "=" && op != "=>" {
		return ""
	}
	k := toks[i-2]
	if k.kind != tokIdent && k.kind != tokString {
		return ""
	}
	if k.kind == tokString && (i < 3 || toks[i-3].text == ":" || toks[i-3].text == "=") {
		return "" // "a" : "b" in a ternary is rare; a string key is kept
	}
	return k.text
}

func slicesHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
