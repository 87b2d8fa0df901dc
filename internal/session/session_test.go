package session

import (
	"go.uber.org/goleak"

	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// scs's default in-memory store, made by managers the cookie tests build
// without a Redis store, runs a cleanup goroutine for the process's life.
func TestMain(m *testing.M) {
	dbtest.MainNoLeaks(m, goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"))
}

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

// TestCookie checks the cookie a new session sets, over https and http:
// over https only a __Host- cookie (Secure, Path=/, no Domain) is one a
// browser will keep under that name.
func TestCookie(t *testing.T) {
	t.Parallel()
	opts, err := redis.ParseURL(dbtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	tests := []struct {
		publicURL, name string
		secure          bool
	}{
		{"https://ferry.example", "__Host-ferry_session", true},
		{"http://localhost:3000", "ferry_session", false},
		{"", "ferry_session", false},
	}
	for _, tc := range tests {
		t.Run(tc.publicURL, func(t *testing.T) {
			m := New(rdb, dbtest.RedisPrefix(t), tc.publicURL)
			h := m.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				m.Put(r.Context(), "user_id", "u")
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			cookies := rec.Result().Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v, want one", cookies)
			}
			c := cookies[0]
			if c.Name != tc.name || c.Secure != tc.secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %+v, want %s, Secure %v, Path=/, no Domain, HttpOnly, SameSite=Lax", c, tc.name, tc.secure)
			}
		})
	}
}
