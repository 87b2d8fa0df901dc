package sharing_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup is a sharing service over a database of its own and an S3 API
// server, with one user whose quota is quota bytes.
func setup(t *testing.T, quota int64) (*sharing.Service, account.User) {
	t.Helper()
	ctx := context.Background()
	svc, err := backing.Open(ctx, backing.URLs{Blob: blobtest.S3(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Bucket.Close() })
	db := dbtest.Pool(t)
	u, err := account.CreateUserWithParams(ctx, db, "owner@example.com", "long enough pw", account.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET quota_bytes = $2 WHERE id = $1`, u.ID, quota); err != nil {
		t.Fatal(err)
	}
	s := &sharing.Service{DB: db, Store: svc.Store(), Log: slog.New(slog.DiscardHandler), Settings: sharing.Settings{
		MaxUploadSize: 1 << 20, Shares: share.Limits{DefaultExpiresIn: time.Hour, MaxExpiresIn: time.Hour},
	}}
	return s, u
}

func objects(t *testing.T, s *sharing.Service) int {
	t.Helper()
	n := 0
	it := s.Bucket().List(nil)
	for {
		_, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// TestBatchKeepsNothingOnFailure: each way a batch can fail, before or
// after its objects were written, leaves neither a row nor an object.
func TestBatchKeepsNothingOnFailure(t *testing.T) {
	t.Parallel()
	opts := share.Options{ExpiresIn: time.Hour}
	tests := []struct {
		name string
		run  func(ctx context.Context, s *sharing.Service, u account.User) error
		want error
	}{
		{"over quota while streaming", func(ctx context.Context, s *sharing.Service, u account.User) error {
			b, _ := s.NewBatch(ctx, u)
			if err := b.Add(ctx, "a.txt", strings.NewReader(strings.Repeat("a", 60)), -1); err != nil {
				return err
			}
			err := b.Add(ctx, "b.txt", strings.NewReader(strings.Repeat("b", 60)), -1)
			b.Discard(ctx)
			return err
		}, account.ErrOverQuota},
		{"announced length over quota", func(ctx context.Context, s *sharing.Service, u account.User) error {
			_, _, err := s.Upload(ctx, u, "a.txt", strings.NewReader("x"), 101, opts)
			return err
		}, account.ErrOverQuota},
		{"owner deleted before the commit", func(ctx context.Context, s *sharing.Service, u account.User) error {
			b, _ := s.NewBatch(ctx, u)
			if err := b.Add(ctx, "a.txt", strings.NewReader("alpha"), 5); err != nil {
				return err
			}
			if _, err := s.DB.Exec(ctx, `DELETE FROM users WHERE id = $1`, u.ID); err != nil {
				return err
			}
			_, _, err := b.Commit(ctx, opts)
			return err
		}, account.ErrOverQuota}, // the charge finds no user row
		{"a commit too late for the sweep's grace", func(ctx context.Context, s *sharing.Service, u account.User) error {
			s.Settings.OrphanGrace = time.Nanosecond // half of it has passed by the time Commit runs
			_, _, err := s.Upload(ctx, u, "a.txt", strings.NewReader("alpha"), 5, opts)
			return err
		}, context.DeadlineExceeded},
		{"an object completed after the sweep forgot its pending key", func(ctx context.Context, s *sharing.Service, u account.User) error {
			// Storage slow past ORPHAN_GRACE (the SDK retrying through an
			// outage): the sweep forgets the key while the body streams.
			body := &hookReader{r: strings.NewReader("alpha"), hook: func() error {
				_, err := files.ForgetStalePending(ctx, s.DB, 0)
				return err
			}}
			_, _, err := s.Upload(ctx, u, "a.txt", body, 5, opts)
			return err
		}, files.ErrNoLongerPending},
		{"an empty batch", func(ctx context.Context, s *sharing.Service, u account.User) error {
			b, _ := s.NewBatch(ctx, u)
			_, _, err := b.Commit(ctx, opts)
			return err
		}, sharing.ErrNoFiles},
		{"sharing a file that is not yours", func(ctx context.Context, s *sharing.Service, _ account.User) error {
			_, err := s.Share(ctx, account.User{ID: "00000000-0000-0000-0000-000000000000"}, []string{"00000000-0000-0000-0000-000000000001"}, opts)
			return err
		}, share.ErrUnknownFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, u := setup(t, 100)
			if err := tt.run(ctx, s, u); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var rows, pending int
			_ = s.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM pending_objects)`).Scan(&rows, &pending)
			if n := objects(t, s); rows != 0 || n != 0 || pending != 0 {
				t.Errorf("%d rows, %d objects and %d pending keys left behind", rows, n, pending)
			}
		})
	}
}

// TestDeleteFile gives the quota back, and the objects go with the row.
func TestDeleteFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 100)
	f, _, err := s.Upload(ctx, u, "a.txt", strings.NewReader("alpha"), 5, share.Options{ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if room, _ := account.Room(ctx, s.DB, u.ID, 0); room != 95 {
		t.Errorf("room after upload = %d, want 95", room)
	}
	if err := s.DeleteFile(ctx, account.User{ID: "00000000-0000-0000-0000-000000000000"}, f.ID); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("a stranger deletes it: %v", err)
	}
	if err := s.DeleteFile(ctx, u, f.ID); err != nil {
		t.Fatal(err)
	}
	if room, _ := account.Room(ctx, s.DB, u.ID, 0); room != 100 {
		t.Errorf("room after delete = %d, want 100", room)
	}
	if n := objects(t, s); n != 0 {
		t.Errorf("%d objects after delete", n)
	}
}

// hookReader calls hook once, before its first read.
type hookReader struct {
	r    io.Reader
	hook func() error
	done bool
}

func (h *hookReader) Read(p []byte) (int, error) {
	if !h.done {
		h.done = true
		if err := h.hook(); err != nil {
			return 0, err
		}
	}
	return h.r.Read(p)
}

// TestSlowUploadKeepsItsKey: an upload whose body takes several times the
// sweep's grace keeps its pending key alive while its bytes arrive, so
// the sweep, forgetting stale keys all along, never takes its protection.
func TestSlowUploadKeepsItsKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 100)
	s.Settings.OrphanGrace = 400 * time.Millisecond
	sweep, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for sweep.Err() == nil {
			_, _ = files.ForgetStalePending(sweep, s.DB, s.Settings.OrphanGrace)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	body := &slowReader{data: []byte("alpha"), pause: 300 * time.Millisecond} // 1.5 s: almost four graces
	if _, _, err := s.Upload(ctx, u, "slow.txt", body, 5, share.Options{ExpiresIn: time.Hour}); err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	var rows, pending int
	_ = s.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM pending_objects)`).Scan(&rows, &pending)
	if rows != 1 || pending != 0 || objects(t, s) != 1 {
		t.Errorf("%d rows, %d objects, %d pending keys; want 1, 1, 0", rows, objects(t, s), pending)
	}
}

// slowReader gives one byte per pause.
type slowReader struct {
	data  []byte
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	p[0], r.data = r.data[0], r.data[1:]
	return 1, nil
}
