package sharing_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/sharing"
)

func newRequest(t *testing.T, s *sharing.Service, u account.User, maxFiles int, maxBytes int64) filerequest.Request {
	t.Helper()
	q, err := s.CreateRequest(context.Background(), u, filerequest.Options{Title: "Scans", ExpiresIn: time.Hour, MaxFiles: maxFiles, MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// left counts what an upload to a request may leave behind: file rows,
// objects, pending keys, holds, and the request's counters.
func left(t *testing.T, s *sharing.Service, q filerequest.Request) (rows, objs, pending, holds, received int) {
	t.Helper()
	err := s.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM pending_objects),
		(SELECT count(*) FROM request_holds), (SELECT files_received FROM requests WHERE id = $1)`, q.ID).Scan(&rows, &pending, &holds, &received)
	if err != nil {
		t.Fatal(err)
	}
	return rows, objects(t, s), pending, holds, received
}

// gated is a body that gives nothing until its gate opens.
type gated struct {
	gate <-chan struct{}
	r    io.Reader
}

func (g *gated) Read(p []byte) (int, error) {
	<-g.gate
	return g.r.Read(p)
}

// TestRequestRaceForLastSlot: two uploaders race for a request's last
// slot (max_files) or its last bytes (max_bytes, lengths unknown so both
// start): exactly one file is kept, the other is refused with nothing
// left of it, rows and objects counted.
func TestRequestRaceForLastSlot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxFiles int
		maxBytes int64
		length   int64
		want     error
	}{
		{"last file slot, lengths known", 1, 0, 60, filerequest.ErrTooManyFiles},
		{"last file slot, lengths unknown", 1, 0, -1, filerequest.ErrTooManyFiles},
		{"last bytes, lengths known", 5, 100, 60, filerequest.ErrFull},
		{"last bytes, lengths unknown, refused at the commit", 5, 100, -1, filerequest.ErrFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, u := setup(t, 1000)
			q := newRequest(t, s, u, tt.maxFiles, tt.maxBytes)
			gate := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					body := &gated{gate: gate, r: strings.NewReader(strings.Repeat("x", 60))}
					_, errs[i] = s.ReceiveFile(ctx, q, filerequest.Uploader{Name: "racer"}, "f.txt", body, tt.length)
				})
			}
			time.Sleep(100 * time.Millisecond) // both past their holds, or refused at them
			close(gate)
			wg.Wait()
			var won, lost int
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, tt.want):
					lost++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("%d won, %d refused (%v); want 1 and 1", won, lost, errs)
			}
			if rows, objs, pending, holds, got := left(t, s, q); rows != 1 || objs != 1 || pending != 0 || holds != 0 || got != 1 {
				t.Errorf("%d rows, %d objects, %d pending, %d holds, %d received; want 1, 1, 0, 0, 1", rows, objs, pending, holds, got)
			}
		})
	}
}

// TestRequestClosedInFlight: a request closed while an upload streams
// refuses it at its commit, with nothing kept; one closed or expired
// before refuses at once.
func TestRequestClosedInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1000)
	q := newRequest(t, s, u, 0, 0)
	body := &hookReader{r: strings.NewReader("alpha"), hook: func() error { return s.CloseRequest(ctx, u, q.ID) }}
	if _, err := s.ReceiveFile(ctx, q, filerequest.Uploader{}, "a.txt", body, 5); !errors.Is(err, filerequest.ErrGone) {
		t.Fatalf("closed while streaming: %v, want ErrGone", err)
	}
	if rows, objs, pending, holds, got := left(t, s, q); rows+objs+pending+holds+got != 0 {
		t.Errorf("%d rows, %d objects, %d pending, %d holds, %d received left", rows, objs, pending, holds, got)
	}
	if _, err := s.OpenRequest(ctx, q.Token); !errors.Is(err, filerequest.ErrGone) {
		t.Errorf("open a closed request: %v", err)
	}
	q2 := newRequest(t, s, u, 0, 0)
	if _, err := s.DB.Exec(ctx, `UPDATE requests SET expires_at = now() - interval '1 second' WHERE id = $1`, q2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceiveFile(ctx, q2, filerequest.Uploader{}, "a.txt", strings.NewReader("alpha"), 5); !errors.Is(err, filerequest.ErrGone) {
		t.Errorf("expired request: %v, want ErrGone", err)
	}
}

// TestRequestFilesBelongToOwner: a received file is the owner's, charged
// to their quota, has no share, is listed under the request with its
// uploader's words, and only the owner sees the request.
func TestRequestFilesBelongToOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1000)
	q := newRequest(t, s, u, 0, 0)
	from := filerequest.Uploader{Name: "Ann", Note: "the scans\nyou asked for"}
	f, err := s.ReceiveFile(ctx, q, from, "scan.pdf", strings.NewReader("alpha"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if room, _ := account.Room(ctx, s.DB, u.ID, 0); room != 995 {
		t.Errorf("room = %d, want 995", room)
	}
	own, err := s.File(ctx, u, f.ID)
	if err != nil || own.Share != nil {
		t.Errorf("owner's file: %+v, %v; want no share", own, err)
	}
	got, list, err := s.Request(ctx, u, q.ID)
	if err != nil || got.FilesReceived != 1 || got.BytesReceived != 5 || len(list) != 1 || list[0].From != from || list[0].ID != f.ID {
		t.Errorf("request: %+v, %+v, %v", got, list, err)
	}
	if _, _, err := s.Request(ctx, account.User{ID: "00000000-0000-0000-0000-000000000000"}, q.ID); !errors.Is(err, filerequest.ErrNotFound) {
		t.Errorf("a stranger reads it: %v", err)
	}
	if err := s.CloseRequest(ctx, account.User{ID: "00000000-0000-0000-0000-000000000000"}, q.ID); !errors.Is(err, filerequest.ErrNotFound) {
		t.Errorf("a stranger closes it: %v", err)
	}
}

// TestRequestOverOwnerQuota: the owner's quota bounds what a request
// takes, and says so without naming it the uploader's.
func TestRequestOverOwnerQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 10)
	q := newRequest(t, s, u, 0, 0)
	_, err := s.ReceiveFile(ctx, q, filerequest.Uploader{}, "a.txt", strings.NewReader(strings.Repeat("a", 20)), -1)
	if !errors.Is(err, filerequest.ErrOwnerQuota) {
		t.Fatalf("over the owner's quota: %v", err)
	}
	if rows, objs, pending, holds, got := left(t, s, q); rows+objs+pending+holds+got != 0 {
		t.Errorf("%d rows, %d objects, %d pending, %d holds, %d received left", rows, objs, pending, holds, got)
	}
}

// TestReceivedFilesOutliveThePurge: the purge deletes old files no share
// holds, but not files received through a request, which have none.
func TestReceivedFilesOutliveThePurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u := setup(t, 1000)
	q := newRequest(t, s, u, 0, 0)
	f, err := s.ReceiveFile(ctx, q, filerequest.Uploader{}, "kept.txt", strings.NewReader("alpha"), 5)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := files.DeleteUnshared(ctx, s.DB, time.Now().Add(time.Hour))
	if err != nil || len(gone) != 0 {
		t.Fatalf("purge took %d files (%v)", len(gone), err)
	}
	if _, err := s.File(ctx, u, f.ID); err != nil {
		t.Errorf("the received file after the purge: %v", err)
	}
}
