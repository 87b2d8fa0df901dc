package sharing

import (
	"context"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

// File requests: a link through which anyone uploads to its owner. The
// bytes arrive by the same Batch as every other upload; a request's
// batch holds a slot of the request before each object's first byte
// (filerequest.Take), and its commit counts the files into the request
// in the transaction that writes their rows, with no share.

// CreateRequest makes a request link of owner's.
func (s *Service) CreateRequest(ctx context.Context, owner account.User, o filerequest.Options) (filerequest.Request, error) {
	hash, err := s.sharePasswordHash(ctx, o.Password)
	if err != nil {
		return filerequest.Request{}, err
	}
	return filerequest.Create(ctx, s.DB, owner.ID, o, hash)
}

// Requests lists owner's requests, newest first, with their counters.
func (s *Service) Requests(ctx context.Context, owner account.User) ([]filerequest.Request, error) {
	return filerequest.List(ctx, s.DB, owner.ID)
}

// Request returns one of owner's requests and the files received through
// it; anyone else's is filerequest.ErrNotFound.
func (s *Service) Request(ctx context.Context, owner account.User, id string) (filerequest.Request, []filerequest.Received, error) {
	q, err := filerequest.Get(ctx, s.DB, owner.ID, id)
	if err != nil {
		return filerequest.Request{}, nil, err
	}
	got, err := filerequest.Files(ctx, s.DB, owner.ID, id)
	return q, got, err
}

// ShareReceived makes a new share of files ids received through owner's
// request id: sharing received files on. Another user's request is
// filerequest.ErrNotFound; an id not received through it (or deleted
// since) is share.ErrUnknownFile.
func (s *Service) ShareReceived(ctx context.Context, owner account.User, id string, ids []string, opts share.Options) (share.Share, error) {
	_, got, err := s.Request(ctx, owner, id)
	if err != nil {
		return share.Share{}, err
	}
	received := make(map[string]bool, len(got))
	for _, f := range got {
		received[f.ID] = true
	}
	for _, fid := range ids {
		if !received[fid] {
			return share.Share{}, share.ErrUnknownFile
		}
	}
	return s.Share(ctx, owner, ids, opts)
}

// CloseRequest ends one of owner's requests at once; its files stay.
func (s *Service) CloseRequest(ctx context.Context, owner account.User, id string) error {
	return filerequest.Close(ctx, s.DB, owner.ID, id)
}

// OpenRequest finds the request a link names, for its public page; one
// that is closed or expired is filerequest.ErrGone.
func (s *Service) OpenRequest(ctx context.Context, token string) (filerequest.Request, error) {
	return filerequest.ByToken(ctx, s.DB, token)
}

// RequestPasswordHash returns a request link's id and password hash (""
// for an open one), for checking a password.
func (s *Service) RequestPasswordHash(ctx context.Context, token string) (id, hash string, err error) {
	return filerequest.PasswordHash(ctx, s.DB, token)
}

// NewRequestBatch starts an upload to q from an anonymous uploader. Its
// room is the least of MAX_UPLOAD_SIZE, the owner's quota and what the
// request still takes.
func (s *Service) NewRequestBatch(ctx context.Context, q filerequest.Request, from filerequest.Uploader) (*Batch, error) {
	if !q.Open() {
		return nil, filerequest.ErrGone
	}
	b, err := s.NewBatch(ctx, account.User{ID: q.OwnerID})
	if err != nil {
		return nil, err
	}
	b.request = &toRequest{id: q.ID, notify: q.Notify, from: from}
	room, err := filerequest.Room(ctx, s.DB, q.ID)
	if err != nil {
		return nil, err
	}
	if room >= 0 && room < b.room {
		b.room, b.request.full = room, true
		b.limit = room
	}
	return b, nil
}

// ReceiveFile takes one file whose body is the whole request (curl -T)
// into q: NewRequestBatch, Add and Commit in one call.
func (s *Service) ReceiveFile(ctx context.Context, q filerequest.Request, from filerequest.Uploader, name string, body io.Reader, length int64) (files.File, error) {
	b, err := s.NewRequestBatch(ctx, q, from)
	if err == nil {
		err = b.Fits(length)
	}
	if err == nil {
		err = b.Add(ctx, name, body, length)
	}
	if err != nil {
		return files.File{}, err
	}
	saved, _, err := b.Commit(ctx, share.Options{})
	if err != nil {
		return files.File{}, err
	}
	return saved[0], nil
}

// toRequest is what a batch to a file request carries.
type toRequest struct {
	id       string
	notify   bool
	from     filerequest.Uploader
	full     bool     // the batch's room is the request's
	uploadID string   // a resumable upload's hold, taken at its creation
	keys     []string // the pending keys holding slots
}

// hold takes a slot of the batch's request for the object under key,
// before its first byte; length is the announced one, -1 unknown.
func (b *Batch) hold(ctx context.Context, key string, length int64) error {
	if b.request == nil {
		return nil
	}
	if err := filerequest.Take(ctx, b.svc.DB, b.request.id, filerequest.Hold{PendingKey: key, Bytes: max(length, 0)}); err != nil {
		return err
	}
	b.request.keys = append(b.request.keys, key)
	return nil
}

func (t *toRequest) tooLarge(b *Batch) error {
	switch {
	case t.full:
		return &LimitError{Err: filerequest.ErrFull, Limit: b.limit}
	case b.overQuota:
		return &LimitError{Err: filerequest.ErrOwnerQuota, Limit: b.limit}
	}
	return &LimitError{Err: ErrTooLarge, Limit: b.limit}
}

// commit counts the saved files into the request, releasing their
// holds, records them under it and queues the owner's mail, all in the
// batch's transaction; a request closed, expired or filled meanwhile
// fails the whole commit.
func (t *toRequest) commit(ctx context.Context, b *Batch, tx pgx.Tx, saved []files.File) error {
	holds := make([]filerequest.Hold, 0, len(t.keys)+1)
	for _, k := range t.keys {
		holds = append(holds, filerequest.Hold{PendingKey: k})
	}
	if t.uploadID != "" {
		holds = append(holds, filerequest.Hold{UploadID: t.uploadID})
	}
	ids, size := make([]string, len(saved)), int64(0)
	for i, f := range saved {
		ids[i], size = f.ID, size+f.Size
	}
	if err := filerequest.Receive(ctx, tx, t.id, holds, len(saved), size); err != nil {
		return err
	}
	if err := filerequest.AddFiles(ctx, tx, t.id, ids, t.from); err != nil {
		return err
	}
	if err := b.svc.emitReceived(ctx, tx, b.owner.ID, t.id, t.from, saved); err != nil {
		return err
	}
	if !t.notify {
		return nil
	}
	return b.svc.enqueue(ctx, tx, jobs.RequestMailArgs{RequestID: t.id, FileIDs: ids})
}

// SetUploader names who sends a request batch, when that is known only
// once the body is read (a form's fields after its files).
func (b *Batch) SetUploader(from filerequest.Uploader) {
	if b.request != nil {
		b.request.from = from
	}
}
