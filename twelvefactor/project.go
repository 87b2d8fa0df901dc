package twelvefactor

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// Rules whose evidence is a whole file or the whole project.
var (
	ruleExpressSession = Rule{"TF6-MEMORY-SESSIONS", 6, Error, "express-session keeps sessions in process memory (no store is set)",
		"give express-session a store backed by Redis or the database"}
	ruleRateLimit = Rule{"TF6-LOCAL-STATE", 6, Warning, "express-rate-limit counts in process memory (no store is set)",
		"give the limiter a Redis store, so every replica shares one count"}
	ruleInstall = Rule{"TF5-INSTALL-AT-START", 5, Error, "the start script installs dependencies or builds the app",
		"install and build in the image build; the start script only runs the release"}
	ruleMigrate = Rule{"TF12-MIGRATE-ON-START", 12, Warning, "the start script runs migrations every time a process starts",
		"run migrations once per release, as a release phase or a one-off job"}
	ruleNoSigterm = Rule{"TF9-NO-SIGTERM", 9, Warning, "an HTTP server starts, but nothing in the project handles SIGTERM",
		"on SIGTERM stop accepting, finish in-flight requests, close pools and exit"}
	ruleNoHealth = Rule{"TF13-NO-HEALTH", 13, Warning, "an HTTP server starts, but the project has no health or readiness endpoint",
		"serve a liveness endpoint that touches nothing (/health) and a readiness one that checks backing services (/ready)"}
	ruleSQLiteDep = Rule{"TF10-SQLITE-DEV", 10, Warning, "SQLite is a dependency alongside a server database's driver",
		"use the production database in development and tests too"}
	ruleSQLiteCode = Rule{"TF10-SQLITE-DEV", 10, Warning, "the code uses SQLite (a driver import or the default setting) while it also supports a server database",
		"use the production database in development and tests too"}
)

var (
	serverStart = regexp.MustCompile(`(?:\bListenAndServe(?:TLS)?\(|\bapp\.listen\(|\bserver\.listen\b|\bapp\.run\(|uvicorn\.run\(|serve_forever\(|SpringApplication\.run\(|HttpServer\.create\(|\bSinatra::Base\b|\bRack::Server\b)`)
	sigterm     = regexp.MustCompile(`(?:SIGTERM|signal\.Notify|NotifyContext|Signal\.trap\(\s*["'](?:TERM|SIGTERM)|addShutdownHook|@PreDestroy)`)
	healthPath  = regexp.MustCompile(`/(?:health|healthz|healthcheck|livez|readyz|ready|readiness|liveness)(?:\.html?)?["'/?` + "`" + `]|actuator`)
	sqliteDep   = regexp.MustCompile(`(?i)(?:mattn/go-sqlite3|modernc\.org/sqlite|"(?:sqlite3|better-sqlite3)"\s*:|^\s*(?:gem\s+["'])?sqlite3\b|<artifactId>sqlite-jdbc</artifactId>|org\.xerial:sqlite-jdbc)`)
	serverDBDep = regexp.MustCompile(`(?i)(?:jackc/pgx|lib/pq|go-sql-driver/mysql|"(?:pg|mysql2?|postgres)"\s*:|^\s*(?:psycopg2?(?:-binary)?|psycopg|asyncpg|mysqlclient|pymysql)\b|gem\s+["'](?:pg|mysql2)["']|<artifactId>(?:postgresql|mysql-connector-j(?:ava)?)</artifactId>)`)
)

// facts are what one file says about the project as a whole.
type facts struct {
	rel             string
	serverLine      int // where an HTTP server starts; 0 if nowhere
	sigterm, health bool
	sqliteLine      int // an SQLite driver declared in a manifest
	serverDB        bool
	// codeSQLite is where the code imports an SQLite driver or makes
	// SQLite the default, from the syntax tree or the tokens.
	codeSQLite int
	// unpinned are Kubernetes images without a version, held back until
	// every kustomization is read: one may pin them (images: newTag).
	unpinned []heldImage
	pins     []string // image names a kustomization pins
	// lines are kept for a file that may get a project finding, so its
	// inline ignore comments apply to that finding too.
	lines []string
}

// Lower-case words one of which each pattern's matches hold (see ruleHints).
var (
	serverHints  = []string{"listenandserve", "listen(", "server.listen", "run(", "serve_forever(", "httpserver.create(", "sinatra::base", "rack::server"}
	sigtermHints = []string{"sigterm", "signal.notify", "notifycontext", "signal.trap", "addshutdownhook", "@predestroy"}
	healthHints  = []string{"health", "ready", "readiness", "liveness", "livez", "actuator"}
)

func factsOf(k kind, rel string, lines []string, low []lowered) facts {
	f := facts{rel: rel}
	code := containsKind(codeKinds, k)
	for i, line := range lines {
		// An ignore comment naming TF9-NO-SIGTERM handles no signal.
		handles := code && !strings.Contains(line, ignoreMark)
		maybe := func(hints []string) bool { return !low[i].ascii || containsAny(low[i].text, hints) }
		if code && f.serverLine == 0 && maybe(serverHints) && serverStart.MatchString(line) && !isTestPath(rel) {
			f.serverLine = i + 1
		}
		f.sigterm = f.sigterm || handles && maybe(sigtermHints) && sigterm.MatchString(line)
		f.health = f.health || (handles || k == kindManifest || k == kindPackageJSON) && maybe(healthHints) && healthPath.MatchString(line)
		if k == kindManifest || k == kindPackageJSON {
			if f.sqliteLine == 0 && sqliteDep.MatchString(line) {
				f.sqliteLine = i + 1
			}
			f.serverDB = f.serverDB || serverDBDep.MatchString(line)
		}
	}
	if f.serverLine > 0 || f.sqliteLine > 0 {
		f.lines = lines
	}
	return f
}

// merge adds what the syntax tree or tokens found. Generated and
// minified files start no server and choose no database of the app's.
func (f *facts) merge(cf codeFacts, org origin, lines []string) {
	if org != written {
		// A bundle's or generated file's routes and signal handlers are
		// a library's, not the app's.
		f.health, f.sigterm = false, false
	}
	f.health = f.health || cf.health
	f.serverDB = f.serverDB || cf.serverDB
	if org != written || isTestPath(f.rel) {
		if org != written {
			f.serverLine = 0
		}
		return
	}
	if f.serverLine == 0 && cf.serverLine > 0 {
		f.serverLine = cf.serverLine
	}
	f.codeSQLite = cf.sqliteLine
	if f.serverLine > 0 || f.codeSQLite > 0 {
		f.lines = lines
	}
}

// projectFindings applies the rules that need every file's facts.
func projectFindings(all []facts) []Finding {
	var sig, health, serverDB bool
	var servers, sqlite, codeSQLite []facts
	var held []heldImage
	pins := map[string]bool{}
	for _, f := range all {
		held = append(held, f.unpinned...)
		for _, p := range f.pins {
			pins[p] = true
		}
		sig, health, serverDB = sig || f.sigterm, health || f.health, serverDB || f.serverDB
		if f.serverLine > 0 {
			servers = append(servers, f)
		}
		if f.sqliteLine > 0 {
			sqlite = append(sqlite, f)
		}
		if f.codeSQLite > 0 {
			codeSQLite = append(codeSQLite, f)
		}
	}
	var out []Finding
	add := func(r Rule, f facts, line int) {
		fd := newFinding(r, f.rel, line, r.Severity)
		applyIgnore(&fd, f.lines)
		setText(&fd, f.lines)
		out = append(out, fd)
	}
	for _, s := range servers {
		if !sig {
			add(ruleNoSigterm, s, s.serverLine)
		}
		if !health {
			add(ruleNoHealth, s, s.serverLine)
		}
	}
	for _, s := range sqlite {
		if serverDB {
			add(ruleSQLiteDep, s, s.sqliteLine)
		}
	}
	// SQLite chosen in the code (a driver import, a default setting)
	// beside a server database, where no manifest already said so: one
	// finding, at the first such place.
	if serverDB && len(sqlite) == 0 && len(codeSQLite) > 0 {
		first := slices.MinFunc(codeSQLite, func(a, b facts) int { return strings.Compare(a.rel, b.rel) })
		add(ruleSQLiteCode, first, first.codeSQLite)
	}
	for _, h := range held {
		if !pins[h.name] {
			out = append(out, h.finding)
		}
	}
	return out
}

// fileFindings applies the rules that read a whole file.
func fileFindings(k kind, rel, content string, lines []string) []Finding {
	switch k {
	case kindPackageJSON:
		return packageFindings(rel, content, lines)
	case kindDocker:
		return dockerFindings(rel, lines)
	case kindYAML:
		return kubeFindings(rel, content)
	}
	return nil
}

var (
	installCmd = regexp.MustCompile(`\b(?:(?:npm|yarn|pnpm)\s+(?:install|ci|run\s+build)|(?:yarn|pnpm)\s+build\b|pip3?\s+install|bundle\s+install|go\s+(?:build|get)|tsc\b|webpack\b|next\s+build)`)
	migrateCmd = regexp.MustCompile(`\bmigrat`)
)

// packageFindings reads package.json's start scripts.
func packageFindings(rel, content string, lines []string) []Finding {
	var pkg struct{ Scripts map[string]string }
	if json.Unmarshal([]byte(content), &pkg) != nil {
		return nil
	}
	var out []Finding
	for _, name := range []string{"prestart", "start", "poststart", "start:prod", "start-prod", "start:production", "start-production"} {
		script, ok := pkg.Scripts[name]
		if !ok {
			continue
		}
		line := lineOf(lines, `"`+name+`"`)
		if installCmd.MatchString(script) {
			out = append(out, newFinding(ruleInstall, rel, line, ruleInstall.Severity))
		}
		if migrateCmd.MatchString(script) {
			out = append(out, newFinding(ruleMigrate, rel, line, ruleMigrate.Severity))
		}
	}
	return out
}

// lineOf is the 1-based number of the first line holding s, or 0.
func lineOf(lines []string, s string) int {
	for i, l := range lines {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}
