package files

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func insertUser(t *testing.T, db DB, email string) string {
	t.Helper()
	var id string
	err := db.QueryRow(context.Background(),
		`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, email).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func received(size int64) storage.Received {
	return storage.Received{Key: storage.NewKey(), Size: size, SHA256: make([]byte, 32), ContentType: "text/plain"}
}

func TestOwnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // no test here needs a commit
	alice, bob := insertUser(t, db, "alice@example.com"), insertUser(t, db, "bob@example.com")

	f, err := Insert(ctx, db, alice, "a.txt", received(60))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"bob reads alice's file", func() error { _, err := Get(ctx, db, bob, f.ID); return err }, ErrNotFound},
		{"bob deletes alice's file", func() error { _, err := Delete(ctx, db, bob, f.ID); return err }, ErrNotFound},
		{"malformed id", func() error { _, err := Get(ctx, db, alice, "not-a-uuid"); return err }, ErrNotFound},
		{"malformed id to ByID", func() error { _, err := ByID(ctx, db, "../x"); return err }, ErrNotFound},
		{"alice reads hers", func() error { _, err := Get(ctx, db, alice, f.ID); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if list, _ := List(ctx, db, bob); len(list) != 0 {
		t.Errorf("bob lists %d files", len(list))
	}
	if list, _ := List(ctx, db, alice); len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("alice lists %+v", list)
	}
	gone, err := Delete(ctx, db, alice, f.ID)
	if err != nil || len(gone.Keys()) != 1 || gone.Keys()[0] != f.BlobKey || gone.Size != 60 {
		t.Errorf("Delete = %+v, %v", gone, err)
	}
}

func TestWorkerUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // no test here needs a commit
	f, err := Insert(ctx, db, "", "anon.png", received(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkVerified(ctx, db, f.ID); err != nil {
		t.Fatal(err)
	}
	if exists, err := AttachThumbnail(ctx, db, f.ID, "thumbs/"+f.ID); err != nil || !exists {
		t.Fatalf("attach = %v, %v", exists, err)
	}
	if exists, err := AttachThumbnail(ctx, db, f.ID, "thumbs/other"); err != nil || !exists {
		t.Fatalf("second attach = %v, %v", exists, err)
	}
	got, err := ByID(ctx, db, f.ID)
	if err != nil || got.VerifiedAt == nil || got.ThumbKey != "thumbs/"+f.ID || len(got.Keys()) != 2 {
		t.Fatalf("after updates: %+v, %v", got, err)
	}
	orphans, err := Unreferenced(ctx, db, []string{f.BlobKey, got.ThumbKey, "files/nobody"}, time.Hour)
	if err != nil || len(orphans) != 1 || orphans[0] != "files/nobody" {
		t.Errorf("Unreferenced = %q, %v", orphans, err)
	}
	if found, err := MarkDamaged(ctx, db, f.ID); err != nil || !found {
		t.Errorf("MarkDamaged = %v, %v", found, err)
	}
	gone, err := DeleteUnshared(ctx, db, time.Now().Add(time.Hour))
	if err != nil || len(gone) != 1 || gone[0].ID != f.ID || !gone[0].Damaged() {
		t.Errorf("DeleteUnshared = %+v, %v", gone, err)
	}
	if exists, err := AttachThumbnail(ctx, db, f.ID, "thumbs/late"); err != nil || exists {
		t.Errorf("attach to a deleted file = %v, %v", exists, err)
	}
	if found, err := MarkDamaged(ctx, db, f.ID); err != nil || found {
		t.Errorf("MarkDamaged of a deleted file = %v, %v", found, err)
	}
}

// TestPendingProtects: an object whose upload has not committed yet is
// no orphan while its pending row was touched within the grace; one left
// by an upload that died is; settled, an object is protected by its file
// row instead.
func TestPendingProtects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t) // no test here needs a commit
	waiting, died, done := storage.NewKey(), storage.NewKey(), storage.NewKey()
	for _, k := range []string{waiting, died, done} {
		if err := Expect(ctx, db, k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE pending_objects SET created_at = now() - $2::interval WHERE key = $1`, died, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	r := received(1)
	r.Key = done
	if _, err := Insert(ctx, db, "", "done.txt", r); err != nil {
		t.Fatal(err)
	}
	if err := Settle(ctx, db, []string{done}); err != nil {
		t.Fatal(err)
	}
	if err := Touch(ctx, db, waiting); err != nil {
		t.Fatal(err)
	}
	free, err := Unreferenced(ctx, db, []string{waiting, died, done}, time.Hour)
	if err != nil || len(free) != 1 || free[0] != died {
		t.Errorf("Unreferenced = %q, %v; want only the upload that died", free, err)
	}
	if n, err := ForgetStalePending(ctx, db, time.Hour); err != nil || n != 1 {
		t.Errorf("ForgetStalePending = %d, %v; want 1", n, err)
	}
}
