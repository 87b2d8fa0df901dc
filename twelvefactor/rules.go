package twelvefactor

import (
	"math"
	"regexp"
	"slices"
	"strings"
)

// lineRule matches single lines of the files of some kinds. Where the
// pattern captures a value, keep says whether that value is a real one
// rather than a placeholder or a lookup.
type lineRule struct {
	Rule
	kinds []kind
	re    *regexp.Regexp
	keep  func(value string) bool
	// unless, when set, drops a match that it also matches.
	unless *regexp.Regexp
	// named, when set, is asked of the first group, the name a value is
	// assigned to; the value is then the second group.
	named func(name string) bool
	// unlessLine, when set, drops a match on a line it matches.
	unlessLine *regexp.Regexp
}

// keeps says whether a match is kept: its name means a secret, where the
// rule asks, and its value is a real one.
func (r lineRule) keeps(m []string) bool {
	value := ""
	switch {
	case r.named != nil && len(m) > 2:
		// A value that repeats its name (beforePasswordReset:
		// 'beforePasswordReset') is an enumeration, not a secret.
		if !r.named(m[1]) || strings.EqualFold(strings.Trim(m[1], `"'.$`), m[2]) {
			return false
		}
		value = m[2]
	case len(m) > 1:
		value = m[1]
	default:
		return true
	}
	return r.keep == nil || r.keep(value)
}

const tools = `curl|wget|convert|magick|ffmpeg|ffprobe|gs|pdftotext|libreoffice|soffice|zip|unzip|tar|sh|bash|git|ssh|scp`

var lineRules = []lineRule{
	{Rule{"TF3-PRIVATE-KEY", 3, Error, "a private key is committed with the code",
		"load it from a secret store or a mounted file named by an environment variable, and rotate the key"},
		allKinds, regexp.MustCompile(`-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----`), nil, nil, nil, nil},
	{Rule{"TF3-CLOUD-KEY", 3, Error, "a cloud or service access key is committed with the code",
		"read it from the environment (or the platform's workload identity) and revoke the committed key"},
		allKinds, regexp.MustCompile(`\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35})\b`), nil, nil, nil, nil},
	{Rule{"TF3-SECRET-LITERAL", 3, Error, "a password, secret or API key is written in the code",
		"read it from an environment variable and keep the value in the platform's secret store"},
		codeKinds, regexp.MustCompile(`(?i)([\w$-]*(?:password|passwd|secret|api_?key|apikey|access_?key|auth_?token|client_?secret)[\w-]*)["']?\]?\s*(?::=|==|=|:|=>)\s*["']([^"'\s]{6,})["']`), realValue, nil, secretName, nil},
	{Rule{"TF3-SECRET-LITERAL", 3, Error, "a password, secret or API key is written in a committed settings file",
		"leave the value out of the repository: set it in the environment or the platform's secret store"},
		[]kind{kindEnv, kindYAML, kindCompose, kindDocker, kindProperties, kindJSONConfig}, regexp.MustCompile(`(?i)^\s*-?\s*(?:ENV\s+)?["']?([\w.-]*(?:password|passwd|secret|api_?key|access_?key|auth_?token|client_?secret)[\w.-]*)["']?\s*[:=]\s*["']?([^\s"'#]{6,})`), realValue, settingRef, secretName, nil},
	{Rule{"TF3-SECRET-LITERAL", 3, Error, "a password, secret or API key falls back to a value written in the code",
		"fail at start when the variable is missing; a default credential is the same in every deploy and known to everyone with the code"},
		codeKinds, regexp.MustCompile(`(?i)([\w$-]*(?:password|passwd|secret|api_?key|apikey|access_?key|auth_?token|client_?secret)[\w-]*)["']?\]?\s*(?::|=)\s*[^;,\n]*?(?:\|\||\?\?|\bor\b)\s*["']([^"'\s]{3,})["']`), defaultValue, nil, secretName, nil},
	{Rule{"TF3-SECRET-LITERAL", 3, Error, "a password, secret or API key falls back to a value written in the code",
		"fail at start when the variable is missing; a default credential is the same in every deploy and known to everyone with the code"},
		codeKinds, regexp.MustCompile(`(?i)(?:getenv|environ\.get|ENV\.fetch|getOrDefault|cmp\.Or\(\s*os\.Getenv)\(\s*["']([\w.-]*(?:password|passwd|secret|api_?key|access_?key|auth_?token)[\w.-]*)["']\)?\s*,\s*["']([^"'\s]{3,})["']`), defaultValue, nil, secretName, nil},
	{Rule{"TF5-INSTALL-AT-START", 5, Error, "the app runs its package manager to install or build itself when it starts",
		"install and build in the image build; the start command only runs the release"},
		codeKinds, regexp.MustCompile(`(?:\bexec(?:Sync|File|FileSync)?|\bspawn(?:Sync)?|subprocess\.\w+|os\.system|\bsystem)\(\s*\[?\s*["'` + "`" + `](?:npm|yarn|pnpm)(?:["'` + "`" + `]\s*,\s*\[?\s*["'` + "`" + `]|\s+)(?:install|ci|add|(?:run\s+|["'` + "`" + `]\s*,\s*["'` + "`" + `])?(?:build|prepack|prepare|compile))\b`), nil, nil, nil, nil},
	{Rule{"TF3-URL-CREDENTIALS", 3, Error, "a connection string carries a password",
		"take the whole URL from an environment variable, such as DATABASE_URL"},
		allKinds, urlCredentials, realValue, nil, nil, nil},
	{Rule{"TF3-HIGH-ENTROPY", 3, Error, "a random-looking token is assigned in the code",
		"read it from the environment; a token in the repository is a token everyone with the code has"},
		codeKinds, regexp.MustCompile(`(?i)([\w$]*(?:token|secret|key|credential|signature)[\w]*)["']?\s*(?::=|=|:)\s*["']([A-Za-z0-9+/=_-]{24,})["']`), looksRandom, nil, secretName, nil},
	{Rule{"TF3-HARDCODED-HOST", 3, Warning, "a production host is written in the code",
		"take the address from an environment variable, so each deploy can point elsewhere"},
		codeKinds, regexp.MustCompile(`(?i)\b(?:host|hostname|endpoint|base_?url|api_?url|server_?url|db_?host|redis_?host)\w*["']?\s*(?::=|=|:)\s*["'](?:[a-z]+://)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:/[^"']*)?["']`), remoteHost, nil, nil, nil},
	{Rule{"TF3-HARDCODED-PORT", 3, Warning, "the server listens on a port written in the code",
		"listen on the port named by the PORT environment variable"},
		codeKinds, regexp.MustCompile(`(?:ListenAndServe(?:TLS)?\(\s*"[^"]*:[1-9]\d*"|net\.Listen\(\s*"tcp",\s*"[^"]*:[1-9]\d*"|\.listen\(\s*\d{2,5}\s*[,)]|\.run\([^)]*\bport\s*=\s*\d{2,5}|new ServerSocket\(\s*\d{2,5})`), nil, nil, nil, nil},
	{Rule{"TF4-LOCALHOST-DEFAULT", 4, Warning, "a backing-service address falls back to localhost",
		"fail at start when the variable is missing instead of quietly using a local service"},
		codeKinds, regexp.MustCompile(`(?:process\.env\.\w+\s*(?:\|\||\?\?)\s*["'` + "`" + `][^"'` + "`" + `]*(?:localhost|127\.0\.0\.1)|(?:os\.environ\.get|os\.getenv)\(\s*["']\w+["']\s*,\s*["'][^"']*(?:localhost|127\.0\.0\.1)|ENV\.fetch\(\s*["']\w+["']\s*,\s*["'][^"']*(?:localhost|127\.0\.0\.1)|ENV\[["']\w+["']\]\s*\|\|\s*["'][^"']*(?:localhost|127\.0\.0\.1)|envDefault:"[a-z][a-z0-9+.-]*://[^"]*(?:localhost|127\.0\.0\.1)|cmp\.Or\(\s*os\.Getenv\([^)]*\)\s*,\s*"[^"]*(?:localhost|127\.0\.0\.1)|getOrDefault\([^,]+,\s*"[^"]*(?:localhost|127\.0\.0\.1)|\$\{\w+:[^}]*(?:localhost|127\.0\.0\.1))`), nil, nil, nil, nil},
	{Rule{"TF6-MEMORY-SESSIONS", 6, Error, "sessions are kept in process memory",
		"keep sessions in a backing service such as Redis or the database, so any replica can serve any user"},
		codeKinds, regexp.MustCompile(`(?:\b(?:const|let|var)\s+sessions?\s*=\s*(?:\{\s*\}|new Map\(\))|^\s*sessions?\s*(?::\s*dict[^=]*)?=\s*(?:\{\s*\}|dict\(\))|\bsessions?\b[^=\n]*=\s*(?:make\(\s*)?map\[|(?:@@sessions|SESSIONS)\s*=\s*\{\s*\}|Map<[^>]*>\s+sessions\s*=\s*new\s+(?:Concurrent)?HashMap)`), nil, nil, nil, nil},
	{Rule{"TF6-LOCAL-UPLOADS", 6, Error, "uploads are written to the local filesystem",
		"stream uploads to object storage (S3, GCS, Azure Blob); a container's disk is gone at the next deploy"},
		codeKinds, regexp.MustCompile(`(?:multer\(\s*\{\s*dest\s*:|multer\.diskStorage\(|\.save\(\s*os\.path\.join\(\s*(?:app\.config\[["']UPLOAD_FOLDER["']\]|UPLOAD_FOLDER|["'](?:\./)?uploads?)|os\.(?:Create|WriteFile|OpenFile)\(\s*(?:filepath\.Join\(\s*)?"(?:\./)?uploads?\b|File\.(?:open|write)\(\s*["'](?:\./)?(?:public/)?uploads?/|new File(?:OutputStream)?\(\s*"(?:\./)?uploads?/)`), nil, nil, nil, nil},
	{Rule{"TF6-LOCAL-STATE", 6, Warning, "a rate limiter or cache keeps shared state in one process",
		"keep it in Redis or another backing service, or each replica enforces its own limit"},
		codeKinds, regexp.MustCompile(`(?:\brate\.NewLimiter\(|storage_uri\s*=\s*["']memory://|new\s+NodeCache\(|RateLimiter\.create\()`), nil, nil, nil, nil},
	{Rule{"TF11-LOG-FILE", 11, Error, "the app writes its own log file",
		"write logs to stdout, one event per line, and let the platform collect them"},
		// twelve-factor:ignore TF11-LOG-FILE the pattern below names log files; it writes none
		append(append([]kind{}, codeKinds...), kindXML, kindProperties, kindYAML), regexp.MustCompile(`(?:createWriteStream\(\s*["'][^"']*\.log["']|transports\.File\(|logging\.FileHandler\(|RotatingFileHandler\(|logging\.basicConfig\([^)]*filename\s*=|Logger\.new\(\s*["'][^"']*\.log["']|lumberjack\.Logger\{|os\.(?:Create|OpenFile)\(\s*"[^"]*\.log"|(?:Rolling)?FileAppender|["']/var/log/(?:[^"'/]+/[^"']*|[^"']*\.log)["'])`), nil, nil, nil, readsLog},
	{Rule{"TF5-INSTALL-AT-START", 5, Error, "dependencies are installed or the app is built when it starts",
		"install and build in the image build; the start command only runs the release"},
		[]kind{kindDocker, kindProcfile}, regexp.MustCompile(`(?i)^\s*(?:(?:CMD|ENTRYPOINT)\b|[\w-]+:).*\b(?:(?:npm|yarn|pnpm)\s+(?:install|ci|run\s+build)|pip3?\s+install|bundle\s+install|go\s+(?:build|get|mod\s+download)|apt-get\s+install|mvn\s+(?:package|install))\b`), nil, nil, nil, nil},
	{Rule{"TF5-INSTALL-AT-START", 5, Error, "the start script installs dependencies or builds the app",
		"install and build in the image build; the start script only runs the release"},
		[]kind{kindStartScript}, regexp.MustCompile(`^\s*(?:[^#\s][^#]*?)?(?:\b(?:npm|yarn|pnpm)\s+(?:install|ci|i|run\s+build|build)\b|\bpip3?\s+install\b|\bbundle\s+install\b|\bgo\s+(?:build|get|mod\s+download)\b|[\w./-]*install[\w-]*\.sh\b)`), nil, nil, nil, nil},
	{Rule{"TF11-LOG-FILE", 11, Error, "the settings send the app's log to a file",
		"write logs to stdout, one event per line, and let the platform collect them"},
		[]kind{kindJSONConfig}, regexp.MustCompile(`"transports"\s*:\s*\[[^\]]*"file"|"type"\s*:\s*"(?:file|dateFile|fileSync|multiFile|rotating-file)"`), nil, nil, nil, nil},
	{Rule{"TF12-MIGRATE-ON-START", 12, Warning, "migrations run every time a web process starts",
		"run migrations once per release, as a release phase or a one-off job, never inside the web process"},
		[]kind{kindDocker, kindProcfile}, regexp.MustCompile(`(?i)^\s*(?:(?:CMD|ENTRYPOINT)\b|web:).*\bmigrate\b.*(?:&&|;)`), nil, nil, nil, nil},
	{Rule{"TF10-SQLITE-DEV", 10, Warning, "development uses SQLite while production uses another database",
		"run the same database in development as in production, for example Postgres in a container"},
		[]kind{kindEnv, kindCompose, kindYAML, kindProperties}, regexp.MustCompile(`(?i)^\s*-?\s*["']?(?:DATABASE_URL|DB_URL|SQLALCHEMY_DATABASE_URI|spring\.datasource\.url)["']?\s*[:=]\s*["']?(?:jdbc:)?sqlite`), nil, nil, nil, nil},
	{Rule{"TF2-SHELL-OUT", 2, Warning, "the app runs a system tool that its dependency manifest cannot declare",
		"use a library declared in the manifest, or make the tool part of the image and check for it at start"},
		codeKinds, regexp.MustCompile(`(?:exec\.Command(?:Context)?\(\s*(?:ctx,\s*)?"(?:` + tools + `)"|subprocess\.\w+\(\s*\[?\s*["'](?:` + tools + `)\b|os\.(?:system|popen)\(\s*["'](?:` + tools + `)\b|\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync)\(\s*["'` + "`" + `](?:` + tools + `)\b|` + "`" + `(?:` + tools + `)\s|\bsystem\(\s*["'](?:` + tools + `)\b|Runtime\.getRuntime\(\)\.exec\(|new ProcessBuilder\()`), nil, nil, nil, nil},
	{Rule{"TFC-IMAGE-LATEST", 5, Warning, "an image is pulled by the moving tag latest (or no tag)",
		"pin a version tag or digest, so a release always runs the same image"},
		[]kind{kindCompose}, regexp.MustCompile(`^\s*image:\s*["']?(?:[^\s"':@]+(?::latest)?|[^\s"'@]+:latest)["']?\s*$`), nil, nil, nil, nil},
	{Rule{"TFC-ADD-URL", 2, Error, "the image build downloads files with ADD from a URL",
		"fetch build inputs through a checksummed, declared dependency, or COPY them from the build context"},
		[]kind{kindDocker}, regexp.MustCompile(`(?i)^\s*ADD\s+(?:--\S+\s+)*https?://`), nil, nil, nil, nil},
}

// readsLog is a line that reads a log rather than writing one: tail
// /var/log/syslog, createReadStream("app.log").
var readsLog = regexp.MustCompile(`['"` + "`" + `](?:tail|cat|less|zcat|journalctl)['"` + "`" + `\s]|\b(?:createReadStream|readFile\w*|ReadFile|readlines?)\(`)

// settingRef matches a setting that names a secret kept elsewhere, such as
// Kubernetes' secretName or a PASSWORD_FILE path, rather than holding one.
var settingRef = regexp.MustCompile(`(?i)(?:name|ref|file|path)["']?\s*[:=]`)

// ruleHints are, for each line rule, words one of which every line the
// rule matches contains, in lower case. Checking them first skips the
// regular expressions on almost every line; FuzzScan holds them to that.
var ruleHints = map[string][]string{
	"TF3-PRIVATE-KEY":       {"private key"},
	"TF3-CLOUD-KEY":         {"akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "sk_live_", "aiza"},
	"TF3-SECRET-LITERAL":    {"password", "passwd", "secret", "api", "access", "auth"},
	"TF3-URL-CREDENTIALS":   {"://"},
	"TF3-HIGH-ENTROPY":      {"token", "secret", "key", "credential", "signature"},
	"TF3-HARDCODED-HOST":    {"host", "endpoint", "url"},
	"TF3-HARDCODED-PORT":    {"listen", "run(", "serversocket"},
	"TF4-LOCALHOST-DEFAULT": {"localhost", "127.0.0.1"},
	"TF6-MEMORY-SESSIONS":   {"session"},
	"TF6-LOCAL-UPLOADS":     {"multer", "upload"},
	"TF6-LOCAL-STATE":       {"newlimiter", "memory://", "nodecache", "ratelimiter.create"},
	// twelve-factor:ignore TF11-LOG-FILE these are words to look for; nothing is written
	"TF11-LOG-FILE":         {".log", "transports.file", "filehandler", "basicconfig", "lumberjack", "fileappender", "/var/log/", "transports", "\"type\""},
	"TF5-INSTALL-AT-START":  {"npm", "yarn", "pnpm", "pip", "bundle", "go", "apt-get", "mvn", "install"},
	"TF12-MIGRATE-ON-START": {"migrate"},
	"TF10-SQLITE-DEV":       {"sqlite"},
	"TF2-SHELL-OUT":         {"exec", "subprocess", "os.system", "os.popen", "spawn", "`", "system(", "processbuilder"},
	"TFC-IMAGE-LATEST":      {"image:"},
	"TFC-ADD-URL":           {"add"},
}

// hinted reports whether lower, a lower-cased line or file, holds one of
// the rule's hints. A rule without hints is always tried.
func hinted(id, lower string) bool {
	hints, ok := ruleHints[id]
	return !ok || containsAny(lower, hints)
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// urlCredentials matches a URL with a password, capturing the password.
var urlCredentials = regexp.MustCompile(`\b[a-z][a-z0-9+.-]*://[^\s:/@"'$]+:([^\s@/"'$]{3,})@[^\s"'/]+`)

// placeholders are values that stand for a secret rather than being one.
var placeholders = []string{"${", "$(", "{{", "<", "%s", "%v", "changeme", "change-me", "example", "placeholder", "your", "xxx", "***", "dummy", "redacted", "process.env", "getenv", "environ", "env[", "managed", "not-set", "unset", "disabled"}

// realValue says whether a matched value looks like an actual secret.
func realValue(v string) bool {
	lower := strings.ToLower(strings.Trim(v, `"',;`))
	if lower == "" || strings.ContainsAny(lower[:1], "${[&*|>") || slices.Contains([]string{"true", "false", "null", "none", "nil", "required", "optional", "pass", "password", "secret",
		// type and visibility words: a schema's password: 'string'
		"string", "number", "boolean", "bool", "integer", "object", "private", "public", "hidden", "text", "varchar", "undefined", "default", "sensitive"}, lower) {
		return false
	}
	// A value that names a secret, such as a header "X-Api-Key" or a
	// variable "DB_PASSWORD", is a name rather than the secret itself.
	if strings.ContainsAny(lower, "-_.") && secretWord.MatchString(lower) {
		return false
	}
	for _, p := range placeholders {
		if strings.Contains(lower, p) {
			return false
		}
	}
	return true
}

var secretWord = regexp.MustCompile(`password|passwd|secret|token|key`)

// defaultValue says whether a fallback is a real default rather than an
// empty or placeholder one. Short words count: a default password "pass"
// is still a password everyone knows.
func defaultValue(v string) bool {
	lower := strings.ToLower(v)
	if slices.Contains([]string{"true", "false", "null", "none", "nil", "undefined"}, lower) || strings.HasPrefix(lower, "./") || strings.HasPrefix(lower, "../") || strings.HasPrefix(lower, "/") || strings.HasPrefix(lower, "~") {
		return false // nothing, or the path of a file that holds the secret
	}
	for _, p := range placeholders {
		if strings.Contains(lower, p) {
			return false
		}
	}
	return true
}

// secretName says whether a name means a secret: it holds the word
// password, secret, token or credentials, or key after api, secret,
// private, access, signing and the like; and it is not the name of a
// field, header, path or setting about the secret (secretName, tokenURL,
// passwordField, keyPath).
func secretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	switch words[len(words)-1] {
	case "name", "names", "header", "field", "url", "uri", "path", "file", "filename", "filepath", "dir", "location", "env", "var", "label", "placeholder", "type", "length", "len", "prefix", "regex", "pattern", "id", "param", "input", "hint", "text", "message", "msg", "error", "event", "route", "endpoint", "id_", "attr", "selector", "class", "icon", "mode", "policy", "count", "min", "max", "expiry", "expires", "ttl", "format", "version", "hash", "reset", "changed", "required", "audience", "issuer", "scope", "scopes", "algorithm", "alg", "kind":
		return false
	}
	switch words[0] {
	case "prefix", "header", "name", "env", "field", "param", "default_name":
		return false // PREFIX_API_KEY, HEADER_SECRET: about the secret, not it
	}
	for i, w := range words {
		switch w {
		case "password", "passwd", "pwd", "secret", "secrets", "token", "credential", "credentials", "apikey", "passphrase":
			return true
		case "key":
			if i > 0 {
				switch words[i-1] {
				case "api", "secret", "private", "access", "signing", "sign", "auth", "encryption", "client", "master", "session", "jwt", "hmac", "app", "license", "service", "account", "crypto", "cipher", "aes":
					return true
				}
			}
		}
	}
	return false
}

// nameWords splits an identifier such as apiKey, API_KEY or x-api-key
// into lower-case words.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == '$':
			flush()
		case r >= 'A' && r <= 'Z':
			// a capital starts a word, unless it follows another capital
			// and is not followed by a small letter (the K in APIKey does).
			if i > 0 && (rs[i-1] < 'A' || rs[i-1] > 'Z' || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z') {
				flush()
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// looksRandom wants a value of high entropy with mixed characters.
func looksRandom(v string) bool {
	if !realValue(v) {
		return false
	}
	var digits, letters int
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		}
	}
	return digits > 0 && letters > 0 && entropy(v) >= 3.5
}

// entropy is Shannon entropy in bits per character.
func entropy(s string) float64 {
	counts := map[rune]float64{}
	for _, r := range s {
		counts[r]++
	}
	n := float64(len([]rune(s)))
	var h float64
	for _, c := range counts {
		p := c / n
		h -= p * math.Log2(p)
	}
	return h
}

// remoteHost wants a real, public-looking host rather than a local,
// example or in-cluster name.
func remoteHost(host string) bool {
	h := strings.ToLower(host)
	for _, local := range []string{"localhost", "127.", "0.0.0.0", "example.", ".local", ".test", ".internal", ".svc", ".cluster", ".invalid"} {
		if strings.HasPrefix(h, local) || strings.Contains(h, local) {
			return false
		}
	}
	// A dotted name is a host when it ends in a common top-level domain,
	// not in a file extension or a method name; or it is an IPv4 address.
	last := h[strings.LastIndex(h, ".")+1:]
	return slices.Contains(tlds, last) || strings.Count(h, ".") == 3 && strings.Trim(h, "0123456789.") == ""
}

var tlds = []string{"com", "net", "org", "io", "dev", "app", "cloud", "co", "ai", "biz", "info", "me", "tech", "xyz", "us", "uk", "de", "fr", "nl", "eu", "ca", "au", "jp", "in", "br", "ru", "cn", "se", "ch", "es", "it", "pl"}
