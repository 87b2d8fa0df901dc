package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// poolMaxConns is each web's pool in the pools scenario: together more
// than the server's maxConnections.
const poolMaxConns = 30

// poolsLoad is many clients and no rest, so the webs want more
// connections than Postgres has.
var poolsLoad = loadConfig{workers: 40, maxRequests: 20000, maxDuration: 20 * time.Second, maxUpload: 256 << 10}

// pools restarts both webs with pools of poolMaxConns, then hammers them:
// a request must wait for a connection rather than fail, and /ready of
// each web must stay 200 throughout. The webs get their default pools
// back at the end.
func (s *suite) pools(ctx context.Context) (scenarioRun, error) {
	if err := s.setPools(ctx, fmt.Sprintf("pool_max_conns=%d", poolMaxConns), []string{"DATABASE_URL=" + s.stack.pg.appURL() + "&pool_max_conns=" + fmt.Sprint(poolMaxConns)}); err != nil {
		return scenarioRun{}, err
	}
	watch := s.watchReady(ctx)
	load := s.startLoad(ctx, poolsLoad)
	sleepCtx(ctx, poolsLoad.maxDuration)
	run := scenarioRun{outcomes: load.stop(), dupJobs: -1}
	notReady, peak := watch.stop()
	run.notes = append(run.notes, fmt.Sprintf("peak Postgres connections %d of max_connections %d", peak, maxConnections))
	if notReady > 0 {
		run.problems = append(run.problems, fmt.Sprintf("/ready answered other than 200 %d times", notReady))
	}
	return run, s.setPools(ctx, "the default pool", nil)
}

// setPools restarts each web in turn with extra settings on top of the
// suite's, named by label in the log; nil gives back the defaults.
func (s *suite) setPools(ctx context.Context, label string, extra []string) error {
	for _, w := range s.stack.webs {
		w.extra = extra
		s.logf("restarting %s with %s", w.name, label)
		if err := s.replaceWeb(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// readyWatch polls each web's /ready and the server's connection count.
type readyWatch struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	notReady int
	peak     int
}

// watchReady polls every 250ms until stopped. It counts connections on
// one it opens first and keeps, since a new one may well be refused.
func (s *suite) watchReady(ctx context.Context) *readyWatch {
	ctx, cancel := context.WithCancel(ctx)
	rw := &readyWatch{cancel: cancel}
	conn, err := connect(ctx, s.stack.pg.adminURL())
	if err != nil {
		s.logf("cannot count connections: %v", err)
	}
	rw.wg.Add(1)
	go func() {
		defer rw.wg.Done()
		if conn != nil {
			defer conn.Close(context.Background())
		}
		for sleepCtx(ctx, 250*time.Millisecond) {
			for _, w := range s.stack.webs {
				if err := getOK(ctx, w.readyURL()); err != nil && ctx.Err() == nil {
					if rw.notReady < 3 {
						s.logf("%s /ready: %v", w.name, err)
					}
					rw.notReady++
				}
			}
			rw.peak = max(rw.peak, countBackends(ctx, conn))
		}
	}()
	return rw
}

// stop ends the watch and returns its counts.
func (rw *readyWatch) stop() (notReady, peak int) {
	rw.cancel()
	rw.wg.Wait()
	return rw.notReady, rw.peak
}

// countBackends is the number of client connections the server has, or
// 0 without a connection to ask on.
func countBackends(ctx context.Context, conn *pgx.Conn) int {
	var n int
	if conn != nil {
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'`).Scan(&n)
	}
	return n
}
