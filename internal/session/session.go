// Package session keeps browser sessions in Redis, so any web replica can
// serve any request and signing out ends a session everywhere at once.
package session

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"
)

// Lifetime bounds a session; IdleTimeout ends one left unused.
const (
	Lifetime    = 30 * 24 * time.Hour
	IdleTimeout = 7 * 24 * time.Hour
)

// New returns a session manager keeping sessions under prefix, whose
// cookie is HttpOnly, SameSite=Lax and, over https, Secure.
func New(rdb *redis.Client, prefix, publicURL string) *scs.SessionManager {
	m := scs.New()
	m.Store = &Store{rdb: rdb, prefix: prefix}
	m.Lifetime, m.IdleTimeout = Lifetime, IdleTimeout
	m.Cookie.Name = "ferry_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = strings.HasPrefix(publicURL, "https://")
	return m
}

// Store is an scs store over go-redis, the client the rest of Ferry uses.
type Store struct {
	rdb    *redis.Client
	prefix string
}

// FindCtx returns a session's data; a missing or expired one is not found.
func (s *Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.prefix+token).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx saves a session until its expiry; Redis drops it then.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.rdb.Set(ctx, s.prefix+token, b, time.Until(expiry)).Err()
}

// DeleteCtx ends a session.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	return s.rdb.Del(ctx, s.prefix+token).Err()
}

// Find, Commit and Delete satisfy scs.Store; scs calls the Ctx forms.
func (s *Store) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context.
func (s *Store) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
