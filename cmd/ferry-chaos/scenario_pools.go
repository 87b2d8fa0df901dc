package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// poolMaxConns is each web's pool in the pools scenario: together more
// than the server's maxConnections.
const poolMaxConns = 30

// poolsLoad is many clients and no rest, so the webs want more
// connections than Postgres has.
var poolsLoad = loadConfig{workers: 40, maxRequests: 20000, maxDuration: 20 * time.Second, maxUpload: 256 << 10}

// pools restarts both webs with pools of poolMaxConns, then hammers them:
// a request must wait for a connection rather than fail, and /ready of
// each web must stay 200 throughout.
func (s *suite) pools(ctx context.Context) (scenarioRun, error) {
	for _, w := range s.stack.webs {
		w.extra = []string{"DATABASE_URL=" + s.stack.pg.ferryURL() + "&pool_max_conns=" + fmt.Sprint(poolMaxConns)}
		s.logf("restarting %s with pool_max_conns=%d", w.name, poolMaxConns)
		if err := s.replaceWeb(ctx, w); err != nil {
			return scenarioRun{}, err
		}
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
	return run, nil
}

// readyWatch polls each web's /ready and the server's connection count.
type readyWatch struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	notReady int
	peak     int
}

// watchReady polls every 250ms until stopped.
func (s *suite) watchReady(ctx context.Context) *readyWatch {
	ctx, cancel := context.WithCancel(ctx)
	rw := &readyWatch{cancel: cancel}
	rw.wg.Add(1)
	go func() {
		defer rw.wg.Done()
		for sleepCtx(ctx, 250*time.Millisecond) {
			for _, w := range s.stack.webs {
				if err := getOK(ctx, w.readyURL()); err != nil && ctx.Err() == nil {
					s.logf("%s /ready: %v", w.name, err)
					rw.notReady++
				}
			}
			if n, err := s.queryIntAdmin(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'`); err == nil {
				rw.peak = max(rw.peak, n)
			}
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

// queryIntAdmin runs a count on the maintenance database.
func (s *suite) queryIntAdmin(ctx context.Context, sql string) (int, error) {
	conn, err := connect(ctx, s.stack.pg.adminURL())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, sql).Scan(&n)
	return n, err
}
