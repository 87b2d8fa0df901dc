package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// statsQuiet is how long a database's commit count must hold still before
// it counts as read. Backends flush their statistics at most once a
// second, and one that goes idle just after a flush holds the rest for up
// to 10 s (PGSTAT_IDLE_INTERVAL).
const (
	statsQuiet    = 11 * time.Second
	statsMaxWait  = time.Minute
	statsPollStep = 250 * time.Millisecond
)

// counters are the backing services' totals at one moment.
type counters struct {
	commits  int64 // xact_commit of the bench database
	commands int64 // Redis total_commands_processed, less our own readings
}

// perDownload is what one small download costs the backing services.
type perDownload struct {
	commits    float64 // Postgres transactions
	commands   float64 // Redis commands
	redisKnown bool    // false for the embedded Redis, which counts nothing
}

// countRoundTrips reads the counters around n sequential downloads of url.
func (b *bench) countRoundTrips(ctx context.Context, url string, n int) (perDownload, error) {
	pg, err := pgx.Connect(ctx, b.stack.adminURL) // another database, so our reads never count
	if err != nil {
		return perDownload{}, fmt.Errorf("read Postgres statistics: %w", err)
	}
	defer pg.Close(context.Background())
	rc, err := newRedisCounter(ctx, b.stack.redisURL, !b.stack.redisEmbedded)
	if err != nil {
		return perDownload{}, err
	}
	defer rc.close()
	before, err := b.readCounters(ctx, pg, rc)
	if err == nil {
		err = downloadN(ctx, url, n)
	}
	var after counters
	if err == nil {
		after, err = b.readCounters(ctx, pg, rc)
	}
	return perDownload{
		commits:    float64(after.commits-before.commits) / float64(n),
		commands:   float64(after.commands-before.commands) / float64(n),
		redisKnown: rc.client != nil,
	}, err
}

// readCounters waits for Postgres statistics to settle, then reads both.
func (b *bench) readCounters(ctx context.Context, pg *pgx.Conn, rc *redisCounter) (counters, error) {
	start := time.Now()
	commits, err := settledCommits(ctx, pg, b.stack.dbName)
	if err != nil {
		return counters{}, err
	}
	b.logf("postgres statistics settled after %v", time.Since(start).Round(time.Second))
	commands, err := rc.read(ctx)
	return counters{commits: commits, commands: commands}, err
}

// downloadN fetches url n times, one after another, on one connection.
func downloadN(ctx context.Context, url string, n int) error {
	client := keepAliveClient(1)
	defer client.CloseIdleConnections()
	for i := range n {
		if err := fetch(ctx, client, url); err != nil {
			return fmt.Errorf("small download %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

// settledCommits polls the database's commit count until it has held
// still for statsQuiet.
func settledCommits(ctx context.Context, pg *pgx.Conn, db string) (int64, error) {
	last, err := commits(ctx, pg, db)
	for changed, start := time.Now(), time.Now(); err == nil && time.Since(changed) < statsQuiet; {
		if time.Since(start) > statsMaxWait {
			return 0, fmt.Errorf("postgres statistics for %s still moving after %v", db, statsMaxWait)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(statsPollStep):
		}
		var now int64
		if now, err = commits(ctx, pg, db); now != last {
			last, changed = now, time.Now()
		}
	}
	return last, err
}

// commits reads xact_commit afresh: a transaction keeps its first
// snapshot of the statistics unless told to drop it.
func commits(ctx context.Context, pg *pgx.Conn, db string) (int64, error) {
	if _, err := pg.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
		return 0, fmt.Errorf("read Postgres statistics: %w", err)
	}
	var n int64
	err := pg.QueryRow(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", db).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read Postgres statistics: %w", err)
	}
	return n, nil
}

// redisCounter reads total_commands_processed on a connection of its own
// and takes off the commands its readings add.
type redisCounter struct {
	client *redis.Client // nil when the server keeps no counters
	conn   *redis.Conn
	self   int64 // commands one reading adds
	taken  int64 // commands all readings so far added
}

func newRedisCounter(ctx context.Context, url string, counts bool) (*redisCounter, error) {
	if !counts {
		return &redisCounter{}, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	c := &redisCounter{client: redis.NewClient(opts)}
	c.conn = c.client.Conn()
	first, err := c.total(ctx)
	if err != nil {
		return nil, errors.Join(err, c.close())
	}
	second, err := c.total(ctx)
	c.self = second - first
	return c, err
}

// read is the server's total less what our readings added.
func (c *redisCounter) read(ctx context.Context) (int64, error) {
	if c.client == nil {
		return 0, nil
	}
	n, err := c.total(ctx)
	c.taken += c.self
	return n - c.taken, err
}

func (c *redisCounter) total(ctx context.Context) (int64, error) {
	info, err := c.conn.Info(ctx, "stats").Result()
	if err != nil {
		return 0, fmt.Errorf("redis INFO: %w", err)
	}
	v, ok := infoField(info, "total_commands_processed")
	if !ok {
		return 0, errors.New("redis INFO: no total_commands_processed")
	}
	return strconv.ParseInt(v, 10, 64)
}

func (c *redisCounter) close() error {
	if c.client == nil {
		return nil
	}
	return errors.Join(c.conn.Close(), c.client.Close())
}

// infoField finds "name:value" in an INFO answer.
func infoField(info, name string) (string, bool) {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v, true
		}
	}
	return "", false
}

// redisVersion asks the server its version; the embedded stand-in has none.
func redisVersion(ctx context.Context, url string) (string, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return "", err
	}
	client := redis.NewClient(opts)
	defer client.Close()
	info, err := client.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	v, ok := infoField(info, "redis_version")
	if !ok {
		return "", errors.New("no redis_version")
	}
	return "Redis " + v, nil
}
