package cli

import (
	"time"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/config"
)

// dbFullWait is how long a web request waits for a pooled connection when
// Postgres refuses new ones as full, before the request fails with 503.
const dbFullWait = 2 * time.Second

// poolSize fits the Postgres pool to the process type. DB_MAX_CONNS wins,
// then pool_max_conns in DATABASE_URL, then what the type needs: web one
// connection per request in flight up to 10; a worker one per running job
// plus River's own (the LISTEN connection, the producer, the completer
// and the leader's maintenance); a clock its inserts and readiness checks.
func poolSize(cfg *config.Config, process string) backing.PoolSize {
	defaults := map[string]int{"web": 10, "worker": cfg.WorkerConcurrency + 4, "clock": 3}
	return backing.PoolSize{
		MaxConns:        int32(cfg.DBMaxConns),
		DefaultMaxConns: int32(defaults[process]),
		MaxConnIdle:     time.Duration(cfg.DBMaxConnIdle),
		FullWait:        dbFullWait,
	}
}
