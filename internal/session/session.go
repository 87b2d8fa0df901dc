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

// The session cookie's names. Over https it carries the __Host- prefix,
// which browsers accept only when Secure, for Path=/ and without Domain: a
// subdomain or a plain-http page on the same host cannot set or shadow it.
const (
	CookieName       = "ferry_session"
	SecureCookieName = "__Host-ferry_session"
)

// New returns a session manager keeping sessions under prefix, whose
// cookie is HttpOnly, SameSite=Lax, Path=/ with no Domain and, over https,
// Secure and named SecureCookieName.
func New(rdb *redis.Client, prefix, publicURL string) *scs.SessionManager {
	m := scs.New()
	m.Store = &Store{rdb: rdb, prefix: prefix}
	m.Lifetime, m.IdleTimeout = Lifetime, IdleTimeout
	m.Cookie.Name = CookieName
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path, m.Cookie.Domain = "/", ""
	if strings.HasPrefix(publicURL, "https://") {
		m.Cookie.Name, m.Cookie.Secure = SecureCookieName, true
	}
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
