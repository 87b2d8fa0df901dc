package twelvefactor

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCodeRules: each rule drawn from syntax trees, tokens or the library
// table, with a file that has the violation and a twin that does not.
// Each case is one project: files separated by "=== name" lines.
func TestCodeRules(t *testing.T) {
	tests := []struct {
		name  string
		files string
		rule  string
		want  bool
	}{
		// Go: libraries, by import and by use.
		{"go ulule memory store", "=== main.go\npackage main\nimport \"github.com/ulule/limiter/v3/drivers/store/memory\"\nvar s = memory.NewStore()\n", "TF6-LOCAL-STATE", true},
		{"go ulule redis store", "=== main.go\npackage main\nimport \"github.com/ulule/limiter/v3/drivers/store/redis\"\nvar s, _ = redis.NewStore(nil)\n", "TF6-LOCAL-STATE", false},
		{"go scs memstore", "=== main.go\npackage main\nimport \"github.com/alexedwards/scs/v2/memstore\"\nvar s = memstore.New()\n", "TF6-MEMORY-SESSIONS", true},
		{"go scs redisstore", "=== main.go\npackage main\nimport \"github.com/alexedwards/scs/redisstore\"\nvar s = redisstore.New(nil)\n", "TF6-MEMORY-SESSIONS", false},
		{"go fiber limiter, no storage", "=== main.go\npackage main\nimport \"github.com/gofiber/fiber/v2/middleware/limiter\"\nvar l = limiter.New(limiter.Config{Max: 5})\n", "TF6-LOCAL-STATE", true},
		{"go fiber limiter, storage", "=== main.go\npackage main\nimport \"github.com/gofiber/fiber/v2/middleware/limiter\"\nvar l = limiter.New(limiter.Config{Max: 5, Storage: store})\n", "TF6-LOCAL-STATE", false},
		{"go lumberjack", "=== main.go\npackage main\nimport \"gopkg.in/natefinch/lumberjack.v2\"\nvar w = &lumberjack.Logger{Filename: logPath}\n", "TF11-LOG-FILE", true},
		{"go log file by variable", "=== main.go\npackage main\nimport (\"log\"; \"os\")\nfunc main() {\n\tf, _ := os.OpenFile(cfg.Path, os.O_APPEND, 0o644)\n\tlog.SetOutput(f)\n}\n", "TF11-LOG-FILE", true},
		{"go log file by name", "=== main.go\npackage main\nimport \"os\"\nfunc main() { os.OpenFile(cfg.LogFile, os.O_APPEND, 0o644) }\n", "TF11-LOG-FILE", true},
		{"go data file", "=== main.go\npackage main\nimport \"os\"\nfunc main() { os.Create(cfg.Output) }\n", "TF11-LOG-FILE", false},
		{"go go-cache", "=== main.go\npackage main\nimport \"github.com/patrickmn/go-cache\"\nvar c = cache.New(0, 0)\n", "TF6-MEMORY-CACHE", true},
		{"go viper file", "=== main.go\npackage main\nimport \"github.com/spf13/viper\"\nfunc main() { viper.ReadInConfig() }\n", "TF3-CONFIG-FILE", true},
		{"go viper env", "=== main.go\npackage main\nimport \"github.com/spf13/viper\"\nfunc main() { viper.AutomaticEnv() }\n", "TF3-CONFIG-FILE", false},
		{"go config file path", "=== main.go\npackage main\nimport \"os\"\nfunc main() { os.ReadFile(\"config.yml\") }\n", "TF3-CONFIG-FILE", true},
		// Go: ports from constants, servers in any framework.
		{"go port from a constant", "=== main.go\npackage main\nimport \"net/http\"\nconst addr = \":8080\"\nfunc main() { http.ListenAndServe(addr, nil) }\n", "TF3-HARDCODED-PORT", true},
		{"go port from the environment", "=== main.go\npackage main\nimport (\"net/http\"; \"os\")\nfunc main() { http.ListenAndServe(os.Getenv(\"ADDR\"), nil) }\n", "TF3-HARDCODED-PORT", false},
		{"go http.Server Addr", "=== main.go\npackage main\nimport \"net/http\"\nvar s = &http.Server{Addr: \"0.0.0.0:9000\"}\n", "TF3-HARDCODED-PORT", true},
		{"go echo Start", "=== main.go\npackage main\nfunc main() { e.Start(\":1323\") }\n", "TF3-HARDCODED-PORT", true},
		// Go: health routes in any router.
		{"go gorilla /health.html", "=== main.go\npackage main\nimport \"net/http\"\nfunc main() {\n\tr.HandleFunc(\"/health.html\", h)\n\thttp.ListenAndServe(os.Getenv(\"ADDR\"), r)\n}\n", "TF13-NO-HEALTH", false},
		{"go chi /api/healthz", "=== main.go\npackage main\nimport \"net/http\"\nfunc main() {\n\tr.Get(\"/api/healthz\", h)\n\thttp.ListenAndServe(os.Getenv(\"ADDR\"), r)\n}\n", "TF13-NO-HEALTH", false},
		{"go gin no health", "=== main.go\npackage main\nfunc main() {\n\tr.GET(\"/items\", h)\n\tr.Run(\":8080\")\n}\n", "TF13-NO-HEALTH", true},
		// Go: SQLite by driver import or default, beside a server database.
		{"go sqlite default in a struct tag", "=== go.mod\nmodule x\n=== config.go\npackage config\nimport _ \"github.com/lib/pq\"\ntype C struct {\n\tDriver string `default:\"sqlite3\"`\n}\n", "TF10-SQLITE-DEV", true},
		{"go sqlite default in a flag", "=== main.go\npackage main\nimport (\"flag\"; _ \"github.com/go-sql-driver/mysql\")\nvar db = flag.String(\"db-type\", \"sqlite\", \"database\")\n", "TF10-SQLITE-DEV", true},
		{"go sqlite by driver import", "=== a.go\npackage a\nimport _ \"github.com/glebarez/sqlite\"\n=== b.go\npackage a\nimport _ \"github.com/jackc/pgx/v5/stdlib\"\n", "TF10-SQLITE-DEV", true},
		{"go sqlite only", "=== a.go\npackage a\nimport _ \"modernc.org/sqlite\"\n", "TF10-SQLITE-DEV", false},
		{"go postgres default", "=== main.go\npackage main\nimport (\"flag\"; _ \"github.com/lib/pq\")\nvar db = flag.String(\"db-type\", \"postgres\", \"database\")\n", "TF10-SQLITE-DEV", false},

		// JavaScript: table entries by import and call, not in comments.
		{"js express-session no store", "=== app.js\nconst session = require('express-session');\napp.use(session({ secret: process.env.S }));\n", "TF6-MEMORY-SESSIONS", true},
		{"js express-session with store", "=== app.js\nconst session = require('express-session');\napp.use(session({ store: new RedisStore({}), secret: process.env.S }));\n", "TF6-MEMORY-SESSIONS", false},
		{"js express-session in a comment", "=== app.js\n// const session = require('express-session'); app.use(session({}));\nconst x = 1;\n", "TF6-MEMORY-SESSIONS", false},
		{"js rate limit no store", "=== app.js\nimport rateLimit from 'express-rate-limit';\napp.use(rateLimit({ windowMs: 1000, max: 5 }));\n", "TF6-LOCAL-STATE", true},
		{"js rate limit with store", "=== app.js\nimport rateLimit from 'express-rate-limit';\napp.use(rateLimit({ store: new RedisStore({}) }));\n", "TF6-LOCAL-STATE", false},
		{"js RateLimiterMemory", "=== app.js\nconst { RateLimiterMemory } = require('rate-limiter-flexible');\nconst l = new RateLimiterMemory({ points: 5 });\n", "TF6-LOCAL-STATE", true},
		{"js RateLimiterRedis", "=== app.js\nconst { RateLimiterRedis } = require('rate-limiter-flexible');\nconst l = new RateLimiterRedis({ points: 5 });\n", "TF6-LOCAL-STATE", false},
		{"js winston daily rotate", "=== log.js\nrequire('winston-daily-rotate-file');\n", "TF11-LOG-FILE", true},
		{"js winston console", "=== log.js\nconst winston = require('winston');\nnew winston.transports.Console();\n", "TF11-LOG-FILE", false},
		{"js log file in a comment", "=== log.js\n/* fs.createWriteStream('app.log') */\nconst x = 1;\n", "TF11-LOG-FILE", false},
		{"js sqlite client beside pg", "=== package.json\n{\"dependencies\": {\"knex\": \"1\"}}\n=== db.js\nconst pg = require('pg');\nmodule.exports = { client: 'sqlite3' };\n", "TF10-SQLITE-DEV", true},
		{"js pg client", "=== db.js\nconst pg = require('pg');\nmodule.exports = { client: 'pg' };\n", "TF10-SQLITE-DEV", false},
		{"js /health route", "=== app.js\napp.get('/health', h);\napp.listen(process.env.PORT);\n", "TF13-NO-HEALTH", false},
		{"js no health route", "=== app.js\napp.get('/items', h);\napp.listen(process.env.PORT);\n", "TF13-NO-HEALTH", true},
		// Python, Ruby, Java.
		{"python flask-limiter memory", "=== app.py\nfrom flask_limiter import Limiter\nlimiter = Limiter(app, key_func=k)\n", "TF6-LOCAL-STATE", true},
		{"python flask-limiter redis", "=== app.py\nfrom flask_limiter import Limiter\nlimiter = Limiter(app, key_func=k, storage_uri=os.environ['REDIS_URL'])\n", "TF6-LOCAL-STATE", false},
		{"python cachetools", "=== app.py\nimport cachetools\n", "TF6-MEMORY-CACHE", true},
		{"python cachetools in a docstring", "=== app.py\n\"\"\"We used to import cachetools here.\n\nimport cachetools\n\"\"\"\nx = 1\n", "TF6-MEMORY-CACHE", false},
		{"ruby session pool", "=== app.rb\nuse Rack::Session::Pool, expire_after: 3600\n", "TF6-MEMORY-SESSIONS", true},
		{"ruby cookie session", "=== app.rb\nuse Rack::Session::Cookie, secret: ENV['S']\n", "TF6-MEMORY-SESSIONS", false},
		{"java guava rate limiter", "=== A.java\nimport com.google.common.util.concurrent.RateLimiter;\nclass A { RateLimiter r = RateLimiter.create(5.0); }\n", "TF6-LOCAL-STATE", true},
		{"java caffeine", "=== A.java\nimport com.github.benmanes.caffeine.cache.Caffeine;\n", "TF6-MEMORY-CACHE", true},
		{"java no cache", "=== A.java\nimport java.util.List;\n", "TF6-MEMORY-CACHE", false},

		// Fewer false alarms: secrets only under secret-meaning names;
		// minified and generated files.
		{"secret under a secret name", "=== a.js\nconst apiKey = 'q8Zr3LmW0xT5vN2bK7cY4pHs';\n", "TF3-HIGH-ENTROPY|TF3-SECRET-LITERAL", true},
		{"random value under a plain name", "=== a.js\nconst keyboardLayout = 'q8Zr3LmW0xT5vN2bK7cY4pHs';\n", "TF3-HIGH-ENTROPY|TF3-SECRET-LITERAL", false},
		{"secret's name, not the secret", "=== a.js\nconst passwordField = 'user_password_input';\n", "TF3-SECRET-LITERAL", false},
		{"minified bundle", "=== app.min.js\nvar a={secret:\"q8Zr3LmW0xT5vN2bK7cY4pHs\"};\n", "TF3-HIGH-ENTROPY|TF3-SECRET-LITERAL", false},
		{"bundle by line length", "=== bundle.js\n" + strings.Repeat("var e=1;", 200) + "var t={apiKey:\"q8Zr3LmW0xT5vN2bK7cY4pHs\"};\n", "TF3-HIGH-ENTROPY|TF3-SECRET-LITERAL", false},
		{"bundle with a source map", "=== out.js\nconst password = 'hunter2hunter2';" + strings.Repeat(" ", 600) + "\n//# sourceMappingURL=out.js.map\n", "TF3-SECRET-LITERAL", false},
		{"compiled code with a source map is read", "=== lib/app.js\nconst password = 'hunter2hunter2';\n//# sourceMappingURL=app.js.map\n", "TF3-SECRET-LITERAL", true},
		{"a name that repeats itself", "=== triggers.js\nconst Types = {\n  beforePasswordResetRequest: 'beforePasswordResetRequest',\n};\n", "TF3-SECRET-LITERAL", false},
		{"health route in a bundle does not count", "=== app.js\napp.listen(process.env.PORT);\n=== public/vendor.js\n" + strings.Repeat("var a=1;", 200) + "fetch('/health');\n", "TF13-NO-HEALTH", true},
		{"server.listen by reference", "=== server.js\nawait util.promisify(server.listen).bind(server)(port);\n", "TF13-NO-HEALTH", true},
		{"secret type word", "=== a.js\nconst types = { admin_session_secret: 'string', password: 'private' };\n", "TF3-SECRET-LITERAL", false},
		{"settings name that only starts like a secret", "=== pnpm-workspace.yaml\ncatalog:\n  secretlint: 13.0.4\n", "TF3-SECRET-LITERAL", false},
		{"settings secret", "=== config/production.json\n{\n  \"mail\": {\n    \"password\": \"hunter2hunter2\"\n  }\n}\n", "TF3-SECRET-LITERAL", true},
		{"CI service password", "=== .github/workflows/test.yml\nenv:\n  POSTGRES_PASSWORD: hunter2hunter2\n", "TF3-SECRET-LITERAL", false},
		// Start scripts and JSON settings.
		{"start script installs", "=== bin/run.sh\n#!/bin/sh\nsrc/bin/installDeps.sh \"$@\" || exit 1\nexec node server.js\n", "TF5-INSTALL-AT-START", true},
		{"start script npm ci", "=== docker-entrypoint.sh\nnpm ci && node .\n", "TF5-INSTALL-AT-START", true},
		{"start script only starts", "=== start.sh\n#!/bin/sh\n# run npm install first\nexec node server.js\n", "TF5-INSTALL-AT-START", false},
		{"yarn build at start", "=== package.json\n{\"scripts\": {\"start\": \"yarn build && node build/app\"}}\n", "TF5-INSTALL-AT-START", true},
		{"json settings log to a file", "=== config/env/config.production.json\n{\"logging\": {\"transports\": [\"file\"]}}\n", "TF11-LOG-FILE", true},
		{"json settings log to stdout", "=== config/env/config.production.json\n{\"logging\": {\"transports\": [\"stdout\"]}}\n", "TF11-LOG-FILE", false},
		{"json settings choose sqlite beside mysql", "=== config.development.json\n{\"database\": {\"client\": \"better-sqlite3\"}}\n=== config.production.json\n{\"database\": {\"client\": \"mysql\"}}\n", "TF10-SQLITE-DEV", true},
		{"js log file in a folder", "=== log.js\nconst s = fs.createWriteStream(path.join(dir, 'nodebb.log'), {flags: 'a'});\n", "TF11-LOG-FILE", true},
		{"js chat history by variable", "=== text.js\n(0, fs_1.appendFileSync)(path_1.default.join(logPath, channel), line);\n", "TF11-LOG-FILE", false},
		{"js blog file", "=== blog.js\nconst s = fs.createWriteStream(blogPath);\n", "TF11-LOG-FILE", false},
		{"go default password in a struct tag", "=== config.go\npackage config\ntype C struct {\n\tPass string `default:\"admin\"`\n}\n", "TF3-SECRET-LITERAL", true},
		{"go default user name in a struct tag", "=== config.go\npackage config\ntype C struct {\n\tName string `default:\"admin\"`\n}\n", "TF3-SECRET-LITERAL", false},
		{"go session cache in memory", "=== server.go\npackage web\nimport cch \"github.com/patrickmn/go-cache\"\nvar h = Handler{SessionCache: cch.New(0, 0)}\n", "TF6-MEMORY-SESSIONS", true},
		{"go login counts in a memory cache", "=== auth.go\npackage handles\nimport \"github.com/Xhofe/go-cache\"\nvar loginCache = cache.NewMemCache[int]()\n", "TF6-LOCAL-STATE", true},
		{"go login counts in redis", "=== auth.go\npackage handles\nimport \"example.com/rediscache\"\nvar loginCache = rediscache.New(client)\n", "TF6-LOCAL-STATE", false},
		{"js default password", "=== config.js\nmodule.exports = { password: getFileEnv(name) || 'pass' };\n", "TF3-SECRET-LITERAL", true},
		{"js no default password", "=== config.js\nmodule.exports = { password: getFileEnv(name) || '' };\n", "TF3-SECRET-LITERAL", false},
		{"python default secret", "=== app.py\nSECRET_KEY = os.getenv('SECRET_KEY', 'dev-key')\n", "TF3-SECRET-LITERAL", true},
		{"js default key file", "=== api.js\nconst apikeyFilename = makeAbsolute(argv.apikey || './APIKEY.txt');\n", "TF3-SECRET-LITERAL", false},
		{"python env secret", "=== app.py\nSECRET_KEY = os.environ['SECRET_KEY']\n", "TF3-SECRET-LITERAL", false},
		{"entry file builds at start", "=== index.js\nexec(\"pnpm run prepack\", {cwd: __dirname}, done);\n", "TF5-INSTALL-AT-START", true},
		{"a tool's install command", "=== lib/commands/install.js\nexec(\"npm install \" + name);\n", "TF5-INSTALL-AT-START", false},
		{"compiled default call without a store", "=== dist/routes.js\nconst express_rate_limit_1 = __importDefault(require(\"express-rate-limit\"));\nconst l = (0, express_rate_limit_1.default)({ windowMs: 1000 });\n", "TF6-LOCAL-STATE", true},
		{"compiled default call with a store", "=== dist/routes.js\nconst express_rate_limit_1 = __importDefault(require(\"express-rate-limit\"));\nconst l = (0, express_rate_limit_1.default)({ store: s });\n", "TF6-LOCAL-STATE", false},
		{"reading the system log", "=== logs.js\nconst t = (0, child_process_1.spawn)('tail', ['-n', '10', '/var/log/syslog']);\n", "TF11-LOG-FILE", false},
		{"a test folder's run script", "=== test-server-as-include/run.sh\nnpm install\n", "TF5-INSTALL-AT-START", false},
		{"production start builds", "=== package.json\n{\"scripts\": {\"start-prod\": \"yarn build-prod && ./bin/app\"}}\n", "TF5-INSTALL-AT-START", true},
		{"compiled named export call without a store", "=== dist/rl.js\nconst express_rate_limit_1 = require(\"express-rate-limit\");\nconst l = (0, express_rate_limit_1.rateLimit)({ limit: 5 });\n", "TF6-LOCAL-STATE", true},
		{"hand-written limiter in memory", "=== lib/rateLimiter.js\nclass RateLimiter {\n  constructor() { this.frame = {}; }\n}\n", "TF6-LOCAL-STATE", true},
		{"hand-written limiter on redis", "=== lib/rateLimiter.js\nclass RateLimiter {\n  constructor(redis) { this.frame = {}; this.redis = redis; }\n}\n", "TF6-LOCAL-STATE", false},
		{"a limiter module's namespace object", "=== src/middleware/ratelimit.js\nvar ratelimit = {};\nratelimit.isFlooding = function (socket) { return ++socket.calls > 100; };\n", "TF6-LOCAL-STATE", false},
		{"a token's audience", "=== key.js\nconst API_KEY_AUDIENCE = 'mcp-server-api';\n", "TF3-SECRET-LITERAL", false},
		{"a map outside any limiter", "=== lib/users.js\nconst byId = new Map();\n", "TF6-LOCAL-STATE", false},
		{"type declarations are not read", "=== types.d.ts\nexport type P = { apiKey: 'q8Zr3LmW0xT5vN2bK7cY4pHs' };\n", "TF3-SECRET-LITERAL|TF3-HIGH-ENTROPY", false},
		{"go user cache in memory", "=== server.go\npackage web\nimport cch \"github.com/patrickmn/go-cache\"\nvar h = Handler{UserCache: cch.New(0, 0)}\n", "TF6-MEMORY-SESSIONS", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, part := range strings.Split(tt.files, "=== ")[1:] {
				name, body, _ := strings.Cut(part, "\n")
				write(t, dir, name, body)
			}
			r, err := Run(dir)
			if err != nil {
				t.Fatal(err)
			}
			rules := strings.Split(tt.rule, "|")
			// Found means found at the rule's own severity: a finding
			// lowered (in a test, CI settings or a bundle) does not count.
			got := slices.ContainsFunc(r.Findings, func(f Finding) bool {
				return slices.Contains(rules, f.Rule) && f.Severity >= ruleByID(f.Rule).Severity
			})
			if got != tt.want {
				t.Errorf("%s found: %v, want %v; findings %+v", tt.rule, got, tt.want, r.Findings)
			}
		})
	}
}

// TestGenerated: generated files are told by their header and lowered to
// notes, not dropped.
func TestGenerated(t *testing.T) {
	content := "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n\nvar password = \"hunter2hunter2\"\n"
	findings, _ := scanContent("x.pb.go", content)
	if len(findings) != 1 || findings[0].Severity != Note {
		t.Errorf("generated file: %+v, want one note", findings)
	}
	if o := originOf("a.go", "package a\n", []string{"package a"}); o != written {
		t.Errorf("plain file judged %v", o)
	}
}

// TestSecretName: which names mean a secret.
func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"apiKey": true, "API_KEY": true, "client_secret": true, "dbPassword": true, "SESSION_SECRET": true, "x-auth-token": true, "signingKey": true,
		"keyboard": false, "PREFIX_LEGACY_API_KEY": false, "passwordField": false, "secretName": false, "tokenUrl": false, "primaryKey": false, "monkey": false, "publicKey": false,
	} {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v (words %q)", name, got, want, nameWords(name))
		}
	}
}

// TestTokenize: comments are left out, strings hold their contents, and
// lines count across multi-line strings and comments.
func TestTokenize(t *testing.T) {
	tests := []struct {
		k    kind
		src  string
		want string // the tokens, each as text@line
	}{
		{kindJS, "a('x') // b('y')\n/* c\n */ d", "a@1 (@1 x@1 )@1 d@3"},
		{kindJS, "x = /a'b/g; y", "x@1 =@1 a'b@1 ;@1 y@1"},
		{kindJS, "a / b / c", "a@1 /@1 b@1 /@1 c@1"},
		{kindJS, "`a\nb` c", "a\nb@1 c@2"},
		{kindPython, "# x('y')\nf(r'a#b')", "f@2 (@2 a#b@2 )@2"},
		{kindPython, "\"\"\"doc\nstring\"\"\"\nx", "doc\nstring@1 x@3"},
		{kindRuby, "=begin\nrequire 'x'\n=end\nrequire 'y' # z", "require@4 y@4"},
		{kindRuby, "A::B.new", "A@1 ::@1 B@1 .@1 new@1"},
		{kindJava, "import a.b.C; // x\nString s = \"q\";", "import@1 a@1 .@1 b@1 .@1 C@1 ;@1 String@2 s@2 =@2 q@2 ;@2"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			var got []string
			for _, tk := range tokenize(tt.src, syntaxes[tt.k]) {
				got = append(got, tk.text+"@"+strconv.Itoa(tk.line))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("tokens %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// fuzzTokenizer checks one language's tokenizer: no input makes it
// panic or hang, every token's lines are within the input's, they never
// go backwards, and the facts drawn from its tokens never fail.
func fuzzTokenizer(f *testing.F, k kind, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks := tokenize(src, syntaxes[k])
		lines := strings.Count(src, "\n") + 1
		last := 0
		for _, tk := range toks {
			if tk.line < last || tk.end < tk.line || tk.end > lines {
				t.Fatalf("token %+v after line %d in %d lines", tk, last, lines)
			}
			last = tk.line
		}
		if k != kindGo {
			_ = tokenFacts(k, "a", toks)
		}
	})
}

func FuzzTokenizeJS(f *testing.F) {
	fuzzTokenizer(f, kindJS, "const s = require('express-session'); // x\n/* y */ a / b / c", "x = /a'b[/]/g; `t${1}\n`", "(0, m_1.default)({ store: s })")
}

func FuzzTokenizePython(f *testing.F) {
	fuzzTokenizer(f, kindPython, "from flask_limiter import Limiter\n'''doc\n''' f'x{y}'", "import a.b as c, d\n# c\nr'\\'")
}

func FuzzTokenizeRuby(f *testing.F) {
	fuzzTokenizer(f, kindRuby, "=begin\nx\n=end\nuse Rack::Session::Pool # y", "require 'x'\ns = /a#b/ if y")
}

func FuzzTokenizeJava(f *testing.F) {
	fuzzTokenizer(f, kindJava, "import a.b.C;\nString s = \"\"\"\ntext\"\"\";", "/* x */ char c = '\\'';")
}

func FuzzTokenizeGo(f *testing.F) {
	fuzzTokenizer(f, kindGo, "package a\nvar s = `raw\nstring` // c", "/* a */ r := '\\''")
}
