package dbtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func countUsers(t *testing.T, tx pgx.Tx, email string) int {
	t.Helper()
	var n int
	if err := tx.QueryRow(context.Background(), "SELECT count(*) FROM users WHERE email = $1", email).Scan(&n); err != nil {
		t.Fatalf("template not migrated? %v", err)
	}
	return n
}

// TestTxRolledBackAndIsolated: a row written in one test's transaction is
// seen there, by no concurrent test, and by no test after it.
func TestTxRolledBackAndIsolated(t *testing.T) {
	t.Parallel()
	const email = "tx@x.example"
	other := Tx(t)
	t.Run("writer", func(t *testing.T) {
		tx := Tx(t)
		if _, err := tx.Exec(context.Background(), "INSERT INTO users (email, password_hash) VALUES ($1, 'h')", email); err != nil {
			t.Fatal(err)
		}
		if n := countUsers(t, tx, email); n != 1 {
			t.Errorf("the writer sees %d rows", n)
		}
		if n := countUsers(t, other, email); n != 0 {
			t.Errorf("a concurrent transaction sees %d rows", n)
		}
	})
	if n := countUsers(t, Tx(t), email); n != 0 {
		t.Errorf("%d rows survived the writer's test", n)
	}
}

// TestTxEndedByTheTest: a test may roll back itself; the cleanup is quiet.
func TestTxEndedByTheTest(t *testing.T) {
	t.Parallel()
	tx := Tx(t)
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
}
