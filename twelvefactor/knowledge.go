package twelvefactor

import "strings"

// ecosystem names the language a library belongs to.
type ecosystem string

const (
	ecoGo     ecosystem = "go"
	ecoJS     ecosystem = "js"
	ecoPython ecosystem = "python"
	ecoRuby   ecosystem = "ruby"
	ecoJava   ecosystem = "java"
)

// library is one well-known package that breaks a factor when used in a
// given way. The whole table is data, in one place: libraries below.
type library struct {
	eco ecosystem
	// module is the import path (Go, with its subpackage), npm package,
	// Python module, Ruby require or Java package; an import of it, or of
	// a path under it, is what makes the entry apply.
	module string
	// use is what shows the state once the module is imported: a
	// function, type or member name called or named in the code (a
	// trailing * matches any name it begins with); "$" is a call of the
	// name the import is bound to (session(...) for express-session); ""
	// means the import alone says it.
	use string
	// unless is a word that, among the arguments of that call, makes the
	// use fine (express-session given a store).
	unless string
	rule   string // the rule it breaks, which gives factor and severity
	what   string // the finding's message
	fix    string
}

// New rules drawn only from the library table.
var (
	ruleMemoryCache = Rule{"TF6-MEMORY-CACHE", 6, Note, "a cache is kept in process memory",
		"a per-process cache is fine for data any replica can rebuild; keep shared or invalidated entries in Redis or memcached"}
	ruleConfigFile = Rule{"TF3-CONFIG-FILE", 3, Note, "config is read from a file at a fixed path",
		"read each setting from an environment variable (a file may still supply defaults); a file in the image is the same in every deploy"}
)

// libraries is the knowledge table: which packages keep state in one
// process, write log files, embed SQLite or read config files, and what
// to use instead. README.md lists it; --explain RULE prints its part.
var libraries = []library{
	// Go: state kept in memory.
	{ecoGo, "github.com/ulule/limiter/v3/drivers/store/memory", "", "", "TF6-LOCAL-STATE", "ulule/limiter's memory store counts requests in one process", "use its Redis store (drivers/store/redis)"},
	{ecoGo, "github.com/VojtechVitek/ratelimit/memory", "", "", "TF6-LOCAL-STATE", "ratelimit's memory store counts requests in one process", "use its Redis store (ratelimit/redis)"},
	{ecoGo, "github.com/throttled/throttled/v2/store/memstore", "", "", "TF6-LOCAL-STATE", "throttled's memstore counts requests in one process", "use throttled's Redis store (store/goredisstore)"},
	{ecoGo, "github.com/sethvargo/go-limiter/memorystore", "", "", "TF6-LOCAL-STATE", "go-limiter's memorystore counts requests in one process", "use a store shared by every replica (a Redis-backed go-limiter store)"},
	{ecoGo, "github.com/didip/tollbooth", "NewLimiter", "", "TF6-LOCAL-STATE", "tollbooth counts requests in one process", "rate-limit in a shared store (Redis) or at the load balancer"},
	{ecoGo, "github.com/go-chi/httprate", "Limit*", "WithLimitCounter", "TF6-LOCAL-STATE", "httprate counts requests in one process unless given a shared counter", "give it a Redis counter (httprate-redis) with WithLimitCounter"},
	{ecoGo, "github.com/labstack/echo/v4/middleware", "NewRateLimiterMemoryStore*", "", "TF6-LOCAL-STATE", "echo's RateLimiterMemoryStore counts requests in one process", "implement RateLimiterStore over Redis"},
	{ecoGo, "github.com/gofiber/fiber/v2/middleware/limiter", "New", "Storage", "TF6-LOCAL-STATE", "fiber's limiter counts in process memory when no Storage is set", "set Storage to a Redis storage (gofiber/storage/redis)"},
	{ecoGo, "golang.org/x/time/rate", "NewLimiter", "", "TF6-LOCAL-STATE", "a rate.Limiter counts in one process", "keep the count in Redis, or each replica enforces its own limit"},
	{ecoGo, "github.com/alexedwards/scs/v2/memstore", "", "", "TF6-MEMORY-SESSIONS", "scs's memstore keeps sessions in process memory", "use scs's redisstore or postgresstore"},
	{ecoGo, "github.com/gin-contrib/sessions/memstore", "", "", "TF6-MEMORY-SESSIONS", "gin-contrib/sessions' memstore keeps sessions in process memory", "use its redis or postgres store"},
	{ecoGo, "github.com/gorilla/sessions", "NewFilesystemStore", "", "TF6-MEMORY-SESSIONS", "gorilla/sessions' FilesystemStore keeps sessions on one machine's disk", "use a cookie store or a Redis-backed store"},
	{ecoGo, "github.com/gofiber/fiber/v2/middleware/session", "New", "Storage", "TF6-MEMORY-SESSIONS", "fiber's session middleware keeps sessions in process memory when no Storage is set", "set Storage to a Redis or database storage"},
	{ecoGo, "github.com/patrickmn/go-cache", "", "", "TF6-MEMORY-CACHE", "go-cache keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoGo, "github.com/hashicorp/golang-lru", "", "", "TF6-MEMORY-CACHE", "golang-lru keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoGo, "github.com/dgraph-io/ristretto", "", "", "TF6-MEMORY-CACHE", "ristretto keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoGo, "github.com/allegro/bigcache", "", "", "TF6-MEMORY-CACHE", "bigcache keeps its entries in process memory", ruleMemoryCache.Fix},
	// Go: log files.
	{ecoGo, "gopkg.in/natefinch/lumberjack.v2", "", "", "TF11-LOG-FILE", "lumberjack writes and rotates a log file", "write logs to stdout and let the platform rotate and ship them"},
	{ecoGo, "github.com/natefinch/lumberjack", "", "", "TF11-LOG-FILE", "lumberjack writes and rotates a log file", "write logs to stdout and let the platform rotate and ship them"},
	{ecoGo, "github.com/rifflock/lfshook", "", "", "TF11-LOG-FILE", "lfshook makes logrus write log files", "log to stdout only"},
	{ecoGo, "github.com/lestrrat-go/file-rotatelogs", "", "", "TF11-LOG-FILE", "file-rotatelogs writes rotated log files", "write logs to stdout and let the platform rotate and ship them"},
	// Go: config files.
	{ecoGo, "github.com/spf13/viper", "ReadInConfig", "", "TF3-CONFIG-FILE", "viper reads config from a file", "call viper.AutomaticEnv so every key can come from the environment, and keep the file to defaults"},
	{ecoGo, "github.com/BurntSushi/toml", "DecodeFile", "", "TF3-CONFIG-FILE", "config is decoded from a TOML file", ruleConfigFile.Fix},
	{ecoGo, "gopkg.in/ini.v1", "Load", "", "TF3-CONFIG-FILE", "config is loaded from an INI file", ruleConfigFile.Fix},
	{ecoGo, "github.com/jinzhu/configor", "Load", "", "TF3-CONFIG-FILE", "configor loads config from files", ruleConfigFile.Fix},
	{ecoGo, "github.com/ilyakaznacheev/cleanenv", "ReadConfig", "", "TF3-CONFIG-FILE", "cleanenv reads config from a file", "use cleanenv.ReadEnv"},

	// JavaScript and TypeScript.
	{ecoJS, "express-session", "$", "store", "TF6-MEMORY-SESSIONS", "express-session keeps sessions in its MemoryStore (no store is set)", "give express-session a store backed by Redis or the database (connect-redis, connect-pg-simple)"},
	{ecoJS, "express-session", "MemoryStore", "", "TF6-MEMORY-SESSIONS", "express-session's MemoryStore keeps sessions in process memory", "use connect-redis or connect-pg-simple"},
	{ecoJS, "memorystore", "", "", "TF6-MEMORY-SESSIONS", "memorystore keeps sessions in process memory", "use connect-redis or connect-pg-simple"},
	{ecoJS, "session-file-store", "", "", "TF6-MEMORY-SESSIONS", "session-file-store keeps sessions on one machine's disk", "use connect-redis or connect-pg-simple"},
	{ecoJS, "express-rate-limit", "$", "store", "TF6-LOCAL-STATE", "express-rate-limit counts in process memory (no store is set)", "give the limiter a Redis store (rate-limit-redis), so every replica shares one count"},
	{ecoJS, "rate-limiter-flexible", "RateLimiterMemory", "", "TF6-LOCAL-STATE", "RateLimiterMemory counts in process memory", "use RateLimiterRedis or RateLimiterPostgres"},
	{ecoJS, "express-brute", "MemoryStore", "", "TF6-LOCAL-STATE", "express-brute's MemoryStore counts in process memory", "use express-brute-redis"},
	{ecoJS, "node-cache", "", "", "TF6-MEMORY-CACHE", "node-cache keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoJS, "lru-cache", "", "", "TF6-MEMORY-CACHE", "lru-cache keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoJS, "memory-cache", "", "", "TF6-MEMORY-CACHE", "memory-cache keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoJS, "winston-daily-rotate-file", "", "", "TF11-LOG-FILE", "winston-daily-rotate-file writes log files", "use winston's Console transport only"},
	{ecoJS, "rotating-file-stream", "", "", "TF11-LOG-FILE", "rotating-file-stream writes log files", "write logs to stdout"},
	{ecoJS, "logrotate-stream", "", "", "TF11-LOG-FILE", "logrotate-stream writes and rotates a log file", "write logs to stdout"},
	{ecoJS, "file-stream-rotator", "", "", "TF11-LOG-FILE", "file-stream-rotator writes log files", "write logs to stdout"},
	{ecoJS, "winston", "transports.File", "", "TF11-LOG-FILE", "winston's File transport writes a log file", "use winston's Console transport only"},
	{ecoJS, "pino", "destination", "", "TF11-LOG-FILE", "pino.destination writes to a file when given a path", "let pino write to stdout (its default)"},
	{ecoJS, "nconf", "file", "", "TF3-CONFIG-FILE", "nconf reads config from a file", "call nconf.env() first, so the environment overrides every key"},

	// Python.
	{ecoPython, "flask_limiter", "Limiter", "storage_uri", "TF6-LOCAL-STATE", "Flask-Limiter counts in process memory when no storage_uri is set", "set storage_uri to a Redis URL from the environment"},
	{ecoPython, "slowapi", "Limiter", "storage_uri", "TF6-LOCAL-STATE", "slowapi counts in process memory when no storage_uri is set", "set storage_uri to a Redis URL from the environment"},
	{ecoPython, "cachetools", "", "", "TF6-MEMORY-CACHE", "cachetools keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoPython, "logging.handlers", "*FileHandler", "", "TF11-LOG-FILE", "a logging file handler writes a log file", "log to a StreamHandler on stdout"},
	{ecoPython, "sqlite3", "connect", "", "TF10-SQLITE-DEV", "the app opens an SQLite database", "use the production database everywhere"},

	// Ruby.
	{ecoRuby, "rack", "Rack::Session::Pool", "", "TF6-MEMORY-SESSIONS", "Rack::Session::Pool keeps sessions in process memory", "use a cookie session or a Redis-backed session store"},
	{ecoRuby, "active_support", "ActiveSupport::Cache::MemoryStore", "", "TF6-MEMORY-CACHE", "ActiveSupport's MemoryStore keeps the cache in one process", "use :redis_cache_store or :mem_cache_store"},
	{ecoRuby, "rack/attack", "ActiveSupport::Cache::MemoryStore", "", "TF6-LOCAL-STATE", "Rack::Attack counts in process memory with a MemoryStore", "give Rack::Attack.cache.store a Redis cache store"},

	// Java.
	{ecoJava, "com.google.common.util.concurrent", "RateLimiter.create", "", "TF6-LOCAL-STATE", "Guava's RateLimiter counts in one process", "rate-limit in Redis (bucket4j-redis, Redisson) or at the gateway"},
	{ecoJava, "io.github.bucket4j", "Bucket.builder", "", "TF6-LOCAL-STATE", "a local bucket4j Bucket counts in one process", "use a distributed bucket4j proxy manager over Redis or JDBC"},
	{ecoJava, "com.github.benmanes.caffeine", "", "", "TF6-MEMORY-CACHE", "Caffeine keeps its entries in process memory", ruleMemoryCache.Fix},
	{ecoJava, "java.util.logging", "FileHandler", "", "TF11-LOG-FILE", "java.util.logging's FileHandler writes a log file", "log to a ConsoleHandler on stdout"},
}

// sqliteModules are SQLite drivers, by ecosystem; an import of one in the
// code, beside a server database's driver, is the TF10 evidence.
var sqliteModules = map[ecosystem][]string{
	ecoGo:     {"github.com/mattn/go-sqlite3", "modernc.org/sqlite", "github.com/glebarez/sqlite", "github.com/glebarez/go-sqlite", "gorm.io/driver/sqlite", "github.com/ncruces/go-sqlite3", "zombiezen.com/go/sqlite", "crawshaw.io/sqlite", "github.com/jinzhu/gorm/dialects/sqlite"},
	ecoJS:     {"sqlite3", "better-sqlite3", "sqlite", "@libsql/client"},
	ecoPython: {"sqlite3", "aiosqlite"},
	ecoRuby:   {"sqlite3"},
	ecoJava:   {"org.sqlite"},
}

// serverDBModules are drivers of server databases, by ecosystem.
var serverDBModules = map[ecosystem][]string{
	ecoGo:     {"github.com/lib/pq", "github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "gorm.io/driver/postgres", "gorm.io/driver/mysql", "github.com/go-pg/pg", "github.com/jinzhu/gorm/dialects/postgres", "github.com/jinzhu/gorm/dialects/mysql"},
	ecoJS:     {"pg", "mysql", "mysql2", "postgres", "mariadb", "tedious", "oracledb"},
	ecoPython: {"psycopg2", "psycopg", "asyncpg", "pymysql", "MySQLdb"},
	ecoRuby:   {"pg", "mysql2"},
	ecoJava:   {"org.postgresql", "com.mysql"},
}

// underModule reports whether path is mod or a package under it.
func underModule(path, mod string) bool {
	return path == mod || strings.HasPrefix(path, mod+"/") || strings.HasPrefix(path, mod+".")
}

// matchUse reports whether a used name matches an entry's use.
func matchUse(use, name string) bool {
	if p, ok := strings.CutSuffix(use, "*"); ok {
		if q, ok := strings.CutPrefix(p, "*"); ok {
			return strings.Contains(name, q)
		}
		return strings.HasPrefix(name, p)
	}
	if q, ok := strings.CutPrefix(use, "*"); ok {
		return strings.HasSuffix(name, q)
	}
	return name == use || strings.HasSuffix(name, "."+use) || strings.HasSuffix(name, "::"+use)
}

// libraryRule is the finding's rule for an entry: the base rule's factor
// and severity with the entry's own message and fix.
func libraryRule(l library) Rule {
	base := ruleByID(l.rule)
	base.Message, base.Fix = l.what, l.fix
	return base
}

// ruleByID finds a rule by its id; an unknown id is a programming error
// that the tests catch (TestLibraries).
func ruleByID(id string) Rule {
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	return Rule{ID: id, Factor: 13, Severity: Note, Message: id, Fix: id}
}
