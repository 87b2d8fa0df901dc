package files

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func insertUser(t *testing.T, db *pgxpool.Pool, email string, quota *int64) string {
	t.Helper()
	var id string
	err := db.QueryRow(context.Background(),
		`INSERT INTO users (email, password_hash, quota_bytes) VALUES ($1, 'x', $2) RETURNING id`, email, quota).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func received(size int64) Received {
	return Received{Key: NewKey(), Size: size, SHA256: make([]byte, 32), ContentType: "text/plain"}
}

func TestQuotaAndOwnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	small := int64(100)
	alice, bob := insertUser(t, db, "alice@example.com", &small), insertUser(t, db, "bob@example.com", nil)

	f, err := Insert(ctx, db, alice, "a.txt", received(60), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Insert(ctx, db, alice, "b.txt", received(41), 0); !errors.Is(err, ErrOverQuota) {
		t.Errorf("upload past quota: %v, want ErrOverQuota", err)
	}
	if room, _ := Room(ctx, db, alice, 0); room != 40 {
		t.Errorf("room = %d, want 40", room)
	}
	if room, _ := Room(ctx, db, bob, 0); room != -1 {
		t.Errorf("unlimited room = %d, want -1", room)
	}
	if room, _ := Room(ctx, db, bob, 1000); room != 1000 {
		t.Errorf("default quota room = %d, want 1000", room)
	}
	if _, err := Get(ctx, db, bob, f.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob reads alice's file: %v", err)
	}
	if _, err := Delete(ctx, db, bob, f.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob deletes alice's file: %v", err)
	}
	if list, _ := List(ctx, db, bob); len(list) != 0 {
		t.Errorf("bob lists %d files", len(list))
	}
	if list, _ := List(ctx, db, alice); len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("alice lists %+v", list)
	}
	keys, err := Delete(ctx, db, alice, f.ID)
	if err != nil || len(keys) != 1 || keys[0] != f.BlobKey {
		t.Errorf("Delete = %q, %v", keys, err)
	}
	if room, _ := Room(ctx, db, alice, 0); room != 100 {
		t.Errorf("room after delete = %d, want 100", room)
	}
	if _, err := Get(ctx, db, alice, "not-a-uuid"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}
}
