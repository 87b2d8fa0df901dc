package twelvefactor

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// codeFacts are what the code of one file says beyond its lines, found
// on the syntax tree (Go) or the token stream (the other languages).
type codeFacts struct {
	findings   []Finding
	serverLine int  // where a server starts listening
	health     bool // a health route is registered (any path naming health, ready, livez)
	sqliteLine int  // an SQLite driver imported, or SQLite the configured default
	serverDB   bool // a server database's driver is imported or chosen
}

// healthRoute matches a route path that names a health or readiness
// check, such as /health, /api/healthz, /health.html or /readyz.
var healthRoute = regexp.MustCompile(`(?i)^(?:[a-z]+ )?(?:/[\w.{}:*-]*)*/(?:health|healthz|healthcheck|health-check|livez|liveness|readyz|ready|readiness|ping)(?:\.html?|\.json|\.txt)?/?$`)

// sqliteName is a driver or dialect name meaning SQLite.
var sqliteName = regexp.MustCompile(`(?i)^(?:sqlite3?|better-sqlite3|sqlite3?:.*|jdbc:sqlite:.*|file:.*\.(?:db|sqlite3?))$`)

// serverDBName is a driver or dialect name meaning a server database.
var serverDBName = regexp.MustCompile(`(?i)^(?:postgres(?:ql)?|pg|pgx|mysql2?|mariadb|mssql|sqlserver|postgres(?:ql)?://.*|mysql://.*)$`)

// dbKey names a setting that chooses a database driver.
var dbKey = regexp.MustCompile(`(?i)^(?:(?:db|database|sql|store|storage)_?)?(?:driver|dialect|type|engine|client|adapter|kind|backend|dbtype)(?:_?name)?$|^(?:db|database)$`)

// listenAddr is an address with a port written in: ":8080", "0.0.0.0:80".
var listenAddr = regexp.MustCompile(`^(?:[\w.-]*|\[[0-9a-f:]*\]):[1-9]\d{1,4}$`)

// goFacts walks one Go file's syntax tree. A file that does not parse
// gives no facts; its lines are still read by the line rules.
func goFacts(rel, content string) codeFacts {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, rel, content, parser.SkipObjectResolution)
	var cf codeFacts
	if err != nil || file == nil {
		return cf
	}
	line := func(p token.Pos) int { return fset.Position(p).Line }
	test := isTestPath(rel)
	imports := map[string]string{} // local name → import path
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		} else if v := strings.TrimPrefix(name, "v"); v != name && isDigits(v) || strings.HasSuffix(name, ".v1") || strings.HasSuffix(name, ".v2") || strings.HasSuffix(name, ".v3") {
			// github.com/x/y/v3 is package y; gopkg.in/ini.v1 is ini.
			if v != name {
				q := strings.TrimSuffix(p, "/"+name)
				name = q[strings.LastIndex(q, "/")+1:]
			} else {
				name = name[:strings.LastIndex(name, ".")]
			}
		}
		name = strings.TrimPrefix(strings.TrimSuffix(name, "-go"), "go-")
		imports[name] = p
		n := line(im.Pos())
		for _, l := range libraries {
			if l.eco == ecoGo && l.use == "" && underModule(p, l.module) {
				cf.add(libraryRule(l), rel, n)
			}
		}
		if !test && anyModule(p, sqliteModules[ecoGo]) {
			cf.sqlite(n)
		}
		if anyModule(p, serverDBModules[ecoGo]) {
			cf.serverDB = true
		}
	}
	consts := fileStrings(file)
	opened := map[string]int{} // variables holding a file opened by path → line
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok && !test && healthRoute.MatchString(s) {
				cf.health = true
			}
		case *ast.Field:
			if n.Tag != nil && !test {
				if tag, err := strconv.Unquote(n.Tag.Value); err == nil {
					st := reflect.StructTag(tag)
					for _, k := range []string{"default", "envDefault", "env-default"} {
						v, ok := st.Lookup(k)
						if ok && sqliteName.MatchString(v) {
							cf.sqlite(line(n.Pos()))
						}
						// A default password: Pass string `default:"admin"`.
						if ok && len(n.Names) == 1 && (secretName(n.Names[0].Name) || n.Names[0].Name == "Pass") && realValue(v) {
							cf.add(ruleByID("TF3-SECRET-LITERAL"), rel, line(n.Pos()))
						}
					}
				}
			}
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && !test {
				cf.dbChoice(k.Name, n.Value, line(n.Pos()))
				cf.sessionCache(rel, k.Name, n.Value, imports, line)
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, lhs := range n.Lhs {
					if name := lastName(lhs); name != "" && !test {
						cf.dbChoice(name, n.Rhs[i], line(n.Pos()))
						cf.sessionCache(rel, name, n.Rhs[i], imports, line)
					}
					if call, ok := n.Rhs[i].(*ast.CallExpr); ok && isOpenByPath(call, imports) {
						if id, ok := lhs.(*ast.Ident); ok {
							opened[id.Name] = line(call.Pos())
						}
					}
				}
			} else if len(n.Rhs) == 1 {
				if call, ok := n.Rhs[0].(*ast.CallExpr); ok && isOpenByPath(call, imports) {
					if id, ok := n.Lhs[0].(*ast.Ident); ok {
						opened[id.Name] = line(call.Pos())
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) && !test {
				for i, name := range n.Names {
					cf.sessionCache(rel, name.Name, n.Values[i], imports, line)
				}
			}
		case *ast.CompositeLit:
			cf.goComposite(rel, n, imports, consts, line)
		case *ast.CallExpr:
			cf.goCall(rel, n, imports, consts, opened, line, test)
		}
		return true
	})
	return cf
}

func (cf *codeFacts) add(r Rule, rel string, line int) {
	cf.findings = append(cf.findings, newFinding(r, rel, line, r.Severity))
}

func (cf *codeFacts) sqlite(line int) {
	if cf.sqliteLine == 0 {
		cf.sqliteLine = line
	}
}

// dbChoice notes a setting named like a database driver whose value is
// a string naming SQLite or a server database.
func (cf *codeFacts) dbChoice(key string, v ast.Expr, line int) {
	s, ok := stringLit(v)
	if !ok || !dbKey.MatchString(key) {
		return
	}
	switch {
	case sqliteName.MatchString(s):
		cf.sqlite(line)
	case serverDBName.MatchString(s):
		cf.serverDB = true
	}
}

// memCtor is a constructor named for an in-memory store.
var memCtor = regexp.MustCompile(`(?i)^New\w*(?:Mem|Memory)\w*$|^New\w*InMemory\w*$`)

// counterName names state that counts requests or failures per client.
var counterName = regexp.MustCompile(`(?i)login|attempt|limit|rate|throttl|ban|block|fail|brute`)

// sessionCache notes a memory cache, from the table or a constructor
// named for memory, that holds sessions (SessionCache: cache.New(...))
// or per-client counts (loginCache = cache.NewMemCache[int]()): state a
// second replica never sees.
func (cf *codeFacts) sessionCache(rel, name string, v ast.Expr, imports map[string]string, line func(token.Pos) int) {
	call, ok := v.(*ast.CallExpr)
	if !ok {
		return
	}
	var id string
	switch low := strings.ToLower(name); {
	case strings.Contains(low, "session"):
		id = "TF6-MEMORY-SESSIONS"
	case counterName.MatchString(low):
		id = "TF6-LOCAL-STATE"
	default:
		return
	}
	pkg, fn := selector(call.Fun)
	path, ok := imports[pkg]
	if !ok {
		return
	}
	what := ""
	if memCtor.MatchString(fn) {
		what = path + "." + fn
	}
	for _, l := range libraries {
		if l.eco == ecoGo && l.rule == "TF6-MEMORY-CACHE" && underModule(path, l.module) {
			what = l.module
		}
	}
	if what == "" {
		return
	}
	r := ruleByID(id)
	if id == "TF6-MEMORY-SESSIONS" {
		r.Message = "sessions are kept in an in-memory cache (" + what + ")"
	} else {
		r.Message = name + " counts in an in-memory cache (" + what + "), so each replica keeps its own count"
	}
	cf.add(r, rel, line(call.Pos()))
}

// goComposite reads struct literals: lumberjack.Logger{...} and the
// like from the table, and http.Server{Addr: ":8080"}.
func (cf *codeFacts) goComposite(rel string, n *ast.CompositeLit, imports, consts map[string]string, line func(token.Pos) int) {
	pkg, name := selector(n.Type)
	if path, ok := imports[pkg]; ok {
		cf.libraryUse(rel, ecoGo, path, name, n.Elts, line(n.Pos()))
	}
	if pkg == "http" && name == "Server" {
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok && lastName(kv.Key) == "Addr" {
				if s, ok := resolve(kv.Value, consts); ok && listenAddr.MatchString(s) {
					cf.add(ruleByID("TF3-HARDCODED-PORT"), rel, line(kv.Pos()))
				}
			}
		}
	}
}

// goCall reads one call: library uses, servers started on a fixed
// address, SQLite picked by a flag or config default, and log files.
func (cf *codeFacts) goCall(rel string, call *ast.CallExpr, imports, consts map[string]string, opened map[string]int, line func(token.Pos) int, test bool) {
	pkg, name := selector(call.Fun)
	n := line(call.Pos())
	if path, ok := imports[pkg]; ok {
		cf.libraryUse(rel, ecoGo, path, name, call.Args, n)
	}
	// A server started on an address with a port in it, directly or
	// through a constant: http.ListenAndServe(addr, ...), e.Start(":1323"),
	// r.Run(":8080"), app.Listen(":3000").
	switch name {
	case "ListenAndServe", "ListenAndServeTLS", "Run", "Start", "Listen", "RunTLS", "StartTLS", "ListenTLS":
		if len(call.Args) > 0 {
			arg := call.Args[0]
			if pkg == "net" && len(call.Args) > 1 {
				arg = call.Args[1]
			}
			if s, ok := resolve(arg, consts); ok && listenAddr.MatchString(s) {
				cf.add(ruleByID("TF3-HARDCODED-PORT"), rel, n)
				if !test && cf.serverLine == 0 {
					cf.serverLine = n
				}
			}
		}
		if strings.HasPrefix(name, "ListenAndServe") && !test && cf.serverLine == 0 {
			cf.serverLine = n
		}
	}
	// SQLite as the default of a flag or setting: flag.String("db-type",
	// "sqlite3", ...), viper.SetDefault("database.driver", "sqlite").
	if !test && (pkg == "flag" || pkg == "pflag" || strings.Contains(name, "Default") || strings.HasPrefix(name, "String")) {
		var key string
		for _, a := range call.Args {
			s, ok := stringLit(a)
			if !ok {
				continue
			}
			if key == "" {
				key = s
				continue
			}
			k := key[strings.LastIndexAny(key, ".-_")+1:]
			if dbKey.MatchString(k) || dbKey.MatchString(strings.ReplaceAll(key, "-", "_")) {
				switch {
				case sqliteName.MatchString(s):
					cf.sqlite(n)
				case serverDBName.MatchString(s):
					cf.serverDB = true
				}
			}
			break
		}
	}
	// sql.Open("sqlite3", ...) and gorm's sqlite.Open.
	if pkg == "sql" && name == "Open" && len(call.Args) > 0 && !test {
		if s, ok := stringLit(call.Args[0]); ok {
			switch {
			case sqliteName.MatchString(s):
				cf.sqlite(n)
			case serverDBName.MatchString(s):
				cf.serverDB = true
			}
		}
	}
	// A log file opened by path: os.OpenFile("app.log", ...) or a file
	// opened into a variable that then becomes the log output.
	if isOpenByPath(call, imports) && len(call.Args) > 0 && mentionsLog(call.Args[0], consts) {
		cf.add(ruleByID("TF11-LOG-FILE"), rel, n)
	}
	if name == "SetOutput" || name == "New" && (pkg == "log" || pkg == "slog") {
		for _, a := range call.Args {
			ast.Inspect(a, func(x ast.Node) bool {
				if id, ok := x.(*ast.Ident); ok {
					if at, ok := opened[id.Name]; ok {
						cf.add(ruleByID("TF11-LOG-FILE"), rel, at)
					}
				}
				return true
			})
		}
	}
	// Config read from a file whose path is written in the code.
	if (pkg == "os" && name == "ReadFile" || pkg == "ioutil" && name == "ReadFile") && len(call.Args) > 0 && !test {
		if s, ok := resolve(call.Args[0], consts); ok && configPath.MatchString(s) {
			cf.add(ruleConfigFile, rel, n)
		}
	}
}

// configPath is a settings file's name.
var configPath = regexp.MustCompile(`(?i)(?:^|/)(?:config|settings|app|application|conf)[\w.-]*\.(?:ya?ml|json|toml|ini|conf|cfg|properties)$`)

// libraryUse applies the table to a call or literal of an imported name.
func (cf *codeFacts) libraryUse(rel string, eco ecosystem, path, name string, args []ast.Expr, line int) {
	for _, l := range libraries {
		if l.eco != eco || l.use == "" || l.use == "$" || !underModule(path, l.module) || !matchUse(l.use, name) {
			continue
		}
		if l.unless != "" && mentions(args, l.unless) {
			continue
		}
		cf.add(libraryRule(l), rel, line)
	}
}

// mentions reports whether an identifier or field named word appears in
// the expressions.
func mentions(args []ast.Expr, word string) bool {
	found := false
	for _, a := range args {
		ast.Inspect(a, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && strings.Contains(id.Name, word) {
				found = true
			}
			return !found
		})
	}
	return found
}

// isOpenByPath is os.Create or os.OpenFile for writing.
func isOpenByPath(call *ast.CallExpr, imports map[string]string) bool {
	pkg, name := selector(call.Fun)
	return pkg == "os" && imports["os"] == "os" && (name == "Create" || name == "OpenFile")
}

// mentionsLog says whether a path expression names a log file: a string
// ending in .log or under /var/log, or a variable or field named for a log.
func mentionsLog(e ast.Expr, consts map[string]string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok && (strings.HasSuffix(s, ".log") || strings.Contains(s, "/var/log")) {
				found = true
			}
		case *ast.Ident:
			low := strings.ToLower(n.Name)
			if s, ok := consts[n.Name]; ok && strings.HasSuffix(s, ".log") || strings.HasPrefix(low, "log") && !strings.HasPrefix(low, "login") || strings.HasSuffix(low, "log") && low != "catalog" && low != "dialog" || strings.Contains(low, "logfile") || strings.Contains(low, "logpath") {
				found = true
			}
		}
		return !found
	})
	return found
}

// fileStrings maps the file's constants and variables that hold a
// string literal to that string.
func fileStrings(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST && g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok || len(vs.Names) != len(vs.Values) {
				continue
			}
			for i, name := range vs.Names {
				if s, ok := stringLit(vs.Values[i]); ok {
					out[name.Name] = s
				}
			}
		}
	}
	return out
}

// resolve is a string literal, or the string a file-level constant holds.
func resolve(e ast.Expr, consts map[string]string) (string, bool) {
	if s, ok := stringLit(e); ok {
		return s, true
	}
	if id, ok := e.(*ast.Ident); ok {
		s, ok := consts[id.Name]
		return s, ok
	}
	return "", false
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// selector splits pkg.Name (or x.Method) into its two names; a plain
// identifier has no package.
func selector(e ast.Expr) (string, string) {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok {
			return id.Name, e.Sel.Name
		}
		return "", e.Sel.Name
	case *ast.Ident:
		return "", e.Name
	case *ast.IndexExpr: // a generic type or function
		return selector(e.X)
	}
	return "", ""
}

// lastName is the last identifier of x or a.b.x.
func lastName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func anyModule(path string, mods []string) bool {
	for _, m := range mods {
		if underModule(path, m) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
