package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferryhq/ferry/internal/devstack"
	"github.com/ferryhq/ferry/internal/testkit/harness"
)

// stack is what setup started and how to reach it.
type stack struct {
	ferry         string // the built binary
	adminURL      string // the Postgres server's maintenance database
	dbName        string // the fresh database Ferry runs on
	dbURL         string
	postgres      string // which Postgres, for the report
	redisURL      string
	redis         string // which Redis, for the report
	redisEmbedded bool   // the in-process stand-in, which keeps no command counters
	s3            *s3.Client
	s3Endpoint    string
	s3Key         string
	s3Secret      string
	versitygw     string // which versitygw, for the report
	gw            *child
	web           *child
	webURL        string
	token         string
}

// bucket is the bucket the S3 server holds for the run.
const bucket = "ferry-bench"

// setup builds Ferry and starts every backing service and `ferry web`.
func (b *bench) setup(ctx context.Context) error {
	for _, start := range []func(context.Context) error{
		b.buildFerry, b.attachPostgres, b.startRedis, b.startS3, b.prepareFerry, b.startWeb,
	} {
		if err := start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// buildFerry builds a static ferry binary from the module this runs in.
func (b *bench) buildFerry(ctx context.Context) error {
	b.logf("building ferry")
	bin, err := harness.BuildFerry(ctx, b.dir)
	b.stack.ferry = bin
	return err
}

// startRedis starts a Redis of our own, so its command counters count
// only Ferry's commands and ours.
func (b *bench) startRedis(ctx context.Context) error {
	b.logf("starting redis")
	r, err := devstack.StartRedis(ctx, devstack.RedisOptions{Dir: filepath.Join(b.dir, "redis")})
	if err != nil {
		return err
	}
	b.onClose("stop redis", func(context.Context) error { return r.Stop() })
	b.stack.redisURL = r.URL()
	b.stack.redis, err = redisVersion(ctx, r.URL())
	if err != nil {
		b.stack.redis, b.stack.redisEmbedded = "embedded Redis (no redis-server on PATH)", true
	}
	return nil
}

// randomHex is n random bytes, hex encoded.
func randomHex(n int) string {
	p := make([]byte, n)
	_, _ = rand.Read(p)
	return hex.EncodeToString(p)
}
