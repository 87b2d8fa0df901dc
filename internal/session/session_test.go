package session

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.MainNoLeaks(m) }

func TestStore(t *testing.T) {
	t.Parallel()
	opts, err := redis.ParseURL(dbtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	s := &Store{rdb: rdb, prefix: dbtest.RedisPrefix(t)}
	ctx := context.Background()

	if _, found, err := s.FindCtx(ctx, "missing"); found || err != nil {
		t.Errorf("missing session: found %v, %v", found, err)
	}
	if err := s.CommitCtx(ctx, "tok", []byte("data"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.FindCtx(ctx, "tok"); !found || err != nil || string(b) != "data" {
		t.Errorf("find = %q %v %v", b, found, err)
	}
	if ttl := rdb.TTL(ctx, s.prefix+"tok").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("ttl = %v, want the session's expiry", ttl)
	}
	if err := s.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindCtx(ctx, "tok"); found {
		t.Errorf("deleted session still found")
	}
}
