package dbtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// rd is this process's Redis, found or started once.
var rd struct {
	once sync.Once
	url  string
	err  error
}

// RedisURL is TEST_REDIS_URL, or a server started once for this process.
// Tests share it; RedisPrefix keeps their keys apart.
func RedisURL(t testing.TB) string {
	t.Helper()
	rd.once.Do(func() {
		if rd.url = os.Getenv("TEST_REDIS_URL"); rd.url != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		rd.url, rd.err = startRedis(ctx)
		if rd.err != nil {
			rd.err = fmt.Errorf("TEST_REDIS_URL is not set and starting a server failed: %w", rd.err)
		}
	})
	if rd.err != nil {
		t.Fatalf("dbtest: redis: %v", rd.err)
	}
	return rd.url
}

// RedisPrefix is a key prefix no other test uses, such as
// "test:TestLogin_ok:9f2c4e1a:".
func RedisPrefix(t testing.TB) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return "test:" + name + ":" + randomHex(t, 4) + ":"
}
