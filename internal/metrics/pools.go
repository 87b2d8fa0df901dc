package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// pools reports the connection pools' own counters at scrape time, so an
// exhausted pool shows before requests time out.
type pools struct {
	db    *pgxpool.Pool
	redis *redis.Client
}

var (
	dbConns        = prometheus.NewDesc("ferry_db_pool_connections", "Postgres pool connections by state (acquired, idle, constructing).", []string{"state"}, nil)
	dbMax          = prometheus.NewDesc("ferry_db_pool_max_connections", "Largest number of Postgres connections the pool opens.", nil, nil)
	dbAcquires     = prometheus.NewDesc("ferry_db_pool_acquires_total", "Connections taken from the Postgres pool.", nil, nil)
	dbEmptyWaits   = prometheus.NewDesc("ferry_db_pool_empty_acquires_total", "Acquires that had to wait because no connection was idle.", nil, nil)
	dbAcquireWait  = prometheus.NewDesc("ferry_db_pool_acquire_seconds_total", "Time spent waiting to acquire Postgres connections.", nil, nil)
	redisConns     = prometheus.NewDesc("ferry_redis_pool_connections", "Redis pool connections by state (total, idle).", []string{"state"}, nil)
	redisHits      = prometheus.NewDesc("ferry_redis_pool_hits_total", "Redis commands that found an idle connection.", nil, nil)
	redisMisses    = prometheus.NewDesc("ferry_redis_pool_misses_total", "Redis commands that had to open a connection.", nil, nil)
	redisTimeouts  = prometheus.NewDesc("ferry_redis_pool_timeouts_total", "Redis commands that gave up waiting for a connection.", nil, nil)
	poolCollectors = []*prometheus.Desc{dbConns, dbMax, dbAcquires, dbEmptyWaits, dbAcquireWait, redisConns, redisHits, redisMisses, redisTimeouts}
)

// RegisterPools adds the series of whichever pools are not nil.
func RegisterPools(reg prometheus.Registerer, db *pgxpool.Pool, rdb *redis.Client) {
	reg.MustRegister(pools{db: db, redis: rdb})
}

func (p pools) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolCollectors {
		ch <- d
	}
}

func (p pools) Collect(ch chan<- prometheus.Metric) {
	if p.db != nil {
		s := p.db.Stat()
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
		ch <- prometheus.MustNewConstMetric(dbMax, prometheus.GaugeValue, float64(s.MaxConns()))
		ch <- prometheus.MustNewConstMetric(dbAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
		ch <- prometheus.MustNewConstMetric(dbEmptyWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
		ch <- prometheus.MustNewConstMetric(dbAcquireWait, prometheus.CounterValue, s.AcquireDuration().Seconds())
	}
	if p.redis != nil {
		s := p.redis.PoolStats()
		ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(s.TotalConns), "total")
		ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(s.IdleConns), "idle")
		ch <- prometheus.MustNewConstMetric(redisHits, prometheus.CounterValue, float64(s.Hits))
		ch <- prometheus.MustNewConstMetric(redisMisses, prometheus.CounterValue, float64(s.Misses))
		ch <- prometheus.MustNewConstMetric(redisTimeouts, prometheus.CounterValue, float64(s.Timeouts))
	}
}
