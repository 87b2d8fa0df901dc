package dbtest

import (
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Server is the host:port of the Postgres server the tests use, for a
// proxy that stands between a test's pool and it.
func Server(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(AdminURL(t))
	if err != nil {
		t.Fatalf("dbtest: server address: %v", err)
	}
	return u.Host
}

// PoolVia is Pool reached through hostport instead of the server's own
// address, as a test's faultproxy.Proxy: a test can then cut the database
// away from the code under test without stopping the shared server.
func PoolVia(t testing.TB, hostport string) *pgxpool.Pool {
	t.Helper()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("dbtest: database URL: %v", err)
	}
	u.Host = hostport
	return openPool(t, u.String())
}
