package main

import (
	"context"
	"time"
)

// outageFor is how long a backing service stays down.
const outageFor = 10 * time.Second

// allScenarios is every scenario in the order they run. The short form
// restarts the webs once instead of three times.
func allScenarios(short bool) []scenario {
	rounds := 3
	if short {
		rounds = 1
	}
	return []scenario{
		{name: "rolling-restart", short: true, about: "SIGTERM each web in turn under load, start a new one, wait for /ready; no request may fail",
			run: func(s *suite, ctx context.Context) (scenarioRun, error) { return s.rollingRestart(ctx, rounds) }},
		{name: "postgres-outage", about: "Postgres fast shutdown for 10 s; only 503s with Retry-After, recovery within 5 s",
			run: func(s *suite, ctx context.Context) (scenarioRun, error) { return s.outage(ctx, s.postgresOutage) }},
		{name: "redis-outage", about: "Redis stopped for 10 s; only 503s with Retry-After, recovery within 5 s",
			run: func(s *suite, ctx context.Context) (scenarioRun, error) { return s.outage(ctx, s.redisOutage) }},
		{name: "storage-outage", short: true, about: "versitygw killed for 10 s, restarted on its port and folder; only 503s with Retry-After, recovery within 5 s",
			run: func(s *suite, ctx context.Context) (scenarioRun, error) { return s.outage(ctx, s.storageOutage) }},
		{name: "kill-web", about: "kill -9 of a web during uploads of known and unknown length; no orphan objects or multipart uploads after the sweep",
			run: (*suite).killWeb},
		{name: "kill-worker", about: "kill -9 of the worker during thumbnail jobs, then a new worker; every job completes, no duplicates",
			run: (*suite).killWorker},
		{name: "two-clocks", about: "a second clock for a few periods; one periodic job per kind and period",
			run: (*suite).twoClocks},
		{name: "pools", about: "DB pools larger than Postgres's max_connections under heavy load; requests wait, /ready stays 200",
			run: (*suite).pools},
	}
}
