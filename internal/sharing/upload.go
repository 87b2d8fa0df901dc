package sharing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/download"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/storage"
)

// Batch is one upload of one or more files by one owner, that ends as one
// share of them all. Its objects are written as the bytes arrive; its rows
// only by Commit, once every object is complete. A batch that is not
// committed must be discarded, so that nothing of it is kept.
type Batch struct {
	svc       *Service
	owner     account.User // zero for an anonymous upload
	room      int64        // bytes the rest of the batch may hold
	limit     int64        // room at the start, named when the batch is refused
	overQuota bool         // room is the quota's, not the size limit's
	received  []received
	taken     map[string]bool // names of received, so that each is unique (filename.Unique)
	firstDone time.Time       // when the first object was complete; the commit must follow within half the grace
	// passwordHash, when set, is the share password already hashed (a
	// resumable upload keeps only the hash between its requests).
	passwordHash string
	// batch, when set, names the owner's uploads that end under one
	// share (share.Join): the first to commit makes it, the rest join.
	batch string
	// newShare says whether the commit made the share, for the audit log.
	newShare bool
	// also runs in Commit's transaction, after the rows are written.
	also func(ctx context.Context, tx pgx.Tx, saved []files.File, sh share.Share) error
	// request, when set, makes the batch an upload to a file request:
	// its files get no share and are recorded under the request.
	request *toRequest
}

// received is one complete object waiting for its row.
type received struct {
	name string
	got  storage.Received
}

// NewBatch starts an upload for owner (the zero User for an anonymous
// one), reading how much it may hold: the size limit, or the room left in
// the owner's quota when that is smaller.
func (s *Service) NewBatch(ctx context.Context, owner account.User) (*Batch, error) {
	b := &Batch{svc: s, owner: owner, room: s.Settings.MaxUploadSize, limit: s.Settings.MaxUploadSize}
	if owner.ID == "" {
		return b, nil
	}
	room, err := account.Room(ctx, s.DB, owner.ID, s.Settings.UserQuota)
	if err != nil {
		return nil, err
	}
	if room >= 0 && room < b.room {
		b.room, b.overQuota = room, true
	}
	b.limit = b.room
	return b, nil
}

// Fits refuses, before a byte is read, a file whose announced length
// (-1: unknown) is over what the batch may still hold.
func (b *Batch) Fits(length int64) error {
	if length > b.room {
		return b.tooLarge()
	}
	return nil
}

// tooLarge is the error for a batch past its room: the quota's, or the
// size limit's, naming the limit.
func (b *Batch) tooLarge() error {
	if b.request != nil {
		return b.request.tooLarge(b)
	}
	if b.overQuota {
		return &LimitError{Err: account.ErrOverQuota, Limit: b.limit}
	}
	return &LimitError{Err: ErrTooLarge, Limit: b.limit}
}

// LimitError is an upload refused for its size. It wraps ErrTooLarge
// (Limit is MAX_UPLOAD_SIZE) or account.ErrOverQuota (Limit is the room
// that was left in the quota), so that the answer can name the limit.
type LimitError struct {
	Err   error
	Limit int64
}

func (e *LimitError) Error() string { return fmt.Sprintf("%v (limit %d bytes)", e.Err, e.Limit) }

// Unwrap gives ErrTooLarge or account.ErrOverQuota.
func (e *LimitError) Unwrap() error { return e.Err }

// Add streams one file's body into storage under a new key. length is the
// length the client announced, -1 when unknown. A body that fails, ends
// early, differs from its length or passes the batch's room keeps nothing.
//
// A name the batch holds already gets a number, "a (2).txt", so no two
// files of its share have the same path.
func (b *Batch) Add(ctx context.Context, name string, body io.Reader, length int64) error {
	if b.taken == nil {
		b.taken = map[string]bool{}
	}
	name = filename.Unique(b.taken, name)
	// The key is pending before the first byte, so that the orphan sweep
	// leaves the object alone however long the commit waits.
	key := storage.NewKey()
	if err := files.Expect(ctx, b.svc.DB, key); err != nil {
		return err
	}
	if err := b.hold(ctx, key, length); err != nil {
		b.svc.settle(ctx, []string{key}) // the hold goes with the pending row
		return err
	}
	stop := b.svc.keepPending(ctx, key)
	got, err := b.svc.Store.Receive(ctx, storage.Incoming{Key: key, Body: body, Length: length, Limit: b.room, Disposition: download.Attachment(name)})
	stop()
	if err != nil {
		b.svc.settle(ctx, []string{key}) // Receive kept no object
	}
	if _, ok := errors.AsType[*storage.TooLargeError](err); ok {
		return b.tooLarge()
	}
	if err != nil {
		return err
	}
	// The object is complete: its protection starts again from now, and
	// the commit must come within half of the grace (Commit).
	if err := files.Touch(ctx, b.svc.DB, key); err != nil {
		b.svc.deleteObjects(ctx, []string{key})
		b.svc.settle(ctx, []string{key})
		return err
	}
	if b.firstDone.IsZero() {
		b.firstDone = time.Now()
	}
	b.received = append(b.received, received{name, got})
	b.taken[name] = true
	b.room -= got.Size
	return nil
}

// keepPending touches key's pending row every quarter of the sweep's
// grace until stop is called, so that an upload whose body takes longer
// than the grace (a large file, a slow client, a store retrying) keeps
// its protection while its bytes still arrive. A touch that fails is
// left to the one after the object is complete, which reports it.
func (s *Service) keepPending(ctx context.Context, key string) (stop func()) {
	grace := s.Settings.OrphanGrace
	if grace <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(grace/4, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = files.Touch(ctx, s.DB, key)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Len is how many files the batch holds so far.
func (b *Batch) Len() int { return len(b.received) }

// Names are the names of the batch's files so far, in order.
func (b *Batch) Names() []string {
	out := make([]string, len(b.received))
	for i, r := range b.received {
		out[i] = r.name
	}
	return out
}

// Commit records the batch's objects as files with one share for all, and
// their processing jobs, in one transaction. If anything fails the
// objects are deleted, so a failed upload leaves neither a row nor an
// object behind.
//
// The commit runs on even if the client hangs up after its last byte, and
// when COMMIT itself fails its outcome is unknown: the rows may be there.
// Then the objects are kept, still pending, and the orphan sweep deletes
// them after the grace unless rows name them, so that no row is ever left
// without its object.
func (b *Batch) Commit(ctx context.Context, opts share.Options) ([]files.File, share.Share, error) {
	saved, sh, err := b.insert(context.WithoutCancel(ctx), opts)
	var unknown *unknownOutcome
	switch {
	case errors.As(err, &unknown):
		b.svc.Log.WarnContext(ctx, "upload commit failed with an unknown outcome; its objects are left to the orphan sweep", "error", err.Error())
		b.received = nil
	case err != nil:
		b.Discard(ctx)
	}
	return saved, sh, err
}

func (b *Batch) insert(ctx context.Context, opts share.Options) ([]files.File, share.Share, error) {
	if len(b.received) == 0 {
		return nil, share.Share{}, ErrNoFiles
	}
	if grace := b.svc.Settings.OrphanGrace; grace > 0 && !b.firstDone.IsZero() {
		// Past half the sweep's grace since an object was complete, its
		// protection may lapse before the row commits: give up instead
		// (a 503), so that no row ever names an object the sweep took.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, b.firstDone.Add(grace/2))
		defer cancel()
	}
	hash, err := b.passwordHash, error(nil)
	if hash == "" {
		if hash, err = b.svc.sharePasswordHash(ctx, opts.Password); err != nil {
			return nil, share.Share{}, err
		}
	}
	var saved []files.File
	var sh share.Share
	err = b.svc.commitTx(ctx, func(tx pgx.Tx) error {
		saved = saved[:0]
		ids := make([]string, 0, len(b.received))
		for _, r := range b.received {
			f, err := b.insertFile(ctx, tx, r)
			if err != nil {
				return err
			}
			saved, ids = append(saved, f), append(ids, f.ID)
		}
		if b.request != nil {
			if err := b.request.commit(ctx, b, tx, saved); err != nil {
				return err
			}
		} else if sh, err = b.share(ctx, tx, saved, opts, hash); err != nil {
			return err
		}
		if err := files.Settle(ctx, tx, b.keys()); err != nil { // the rows protect the objects now
			return err
		}
		for _, id := range ids {
			if err := b.svc.enqueue(ctx, tx, jobs.ProcessFileArgs{FileID: id}); err != nil {
				return err
			}
		}
		if err := b.svc.emitUploaded(ctx, tx, b.owner.ID, saved, sh); err != nil {
			return err
		}
		if err := b.recordUploaded(ctx, tx, saved, sh, ids); err != nil {
			return err
		}
		if b.also != nil {
			return b.also(ctx, tx, saved, sh)
		}
		return nil
	})
	return saved, sh, err
}

// share makes the batch's share of saved, or, for an upload of a batch
// that has one already, adds them to it, renaming those whose path a file
// of the share has already (files.UniqueInShare) and updating saved.
func (b *Batch) share(ctx context.Context, tx pgx.Tx, saved []files.File, opts share.Options, hash string) (share.Share, error) {
	ids := make([]string, len(saved))
	for i, f := range saved {
		ids[i] = f.ID
	}
	if b.batch == "" || b.owner.ID == "" {
		b.newShare = true
		return share.Create(ctx, tx, b.owner.ID, ids, opts, hash)
	}
	sh, made, err := share.Join(ctx, tx, b.owner.ID, b.batch, ids, opts, hash)
	b.newShare = made
	if err != nil || made {
		return sh, err
	}
	renamed, err := files.UniqueInShare(ctx, tx, sh.ID, ids)
	if err != nil {
		return share.Share{}, err
	}
	for i := range saved {
		if name, ok := renamed[saved[i].ID]; ok {
			saved[i].Name = name
		}
	}
	return sh, nil
}

// insertFile charges the owner's quota and writes the file's row.
func (b *Batch) insertFile(ctx context.Context, tx pgx.Tx, r received) (files.File, error) {
	if b.owner.ID != "" {
		err := account.Charge(ctx, tx, b.owner.ID, r.got.Size, b.svc.Settings.UserQuota)
		if errors.Is(err, account.ErrOverQuota) && b.request != nil {
			err = filerequest.ErrOwnerQuota // the uploader's quota is not theirs to name
		}
		if err != nil {
			return files.File{}, err
		}
	}
	return files.Insert(ctx, tx, b.owner.ID, r.name, r.got)
}

// Discard deletes the batch's objects; their rows were never written.
func (b *Batch) Discard(ctx context.Context) {
	keys := b.keys()
	b.received = nil
	b.svc.deleteObjects(ctx, keys)
	b.svc.settle(ctx, keys)
}

// keys are the batch's objects.
func (b *Batch) keys() []string {
	keys := make([]string, 0, len(b.received))
	for _, r := range b.received {
		keys = append(keys, r.got.Key)
	}
	return keys
}

// Upload takes one file whose body is the whole request, as curl -T sends
// it, and shares it: NewBatch, Add and Commit in one call.
func (s *Service) Upload(ctx context.Context, owner account.User, name string, body io.Reader, length int64, opts share.Options) (files.File, share.Share, error) {
	b, err := s.NewBatch(ctx, owner)
	if err == nil {
		err = b.Fits(length) // refuse before reading a byte
	}
	if err == nil {
		err = b.Add(ctx, name, body, length)
	}
	if err != nil {
		return files.File{}, share.Share{}, err
	}
	saved, sh, err := b.Commit(ctx, opts)
	if err != nil {
		return files.File{}, share.Share{}, err
	}
	return saved[0], sh, nil
}

// sharePasswordHash hashes a share password, or returns "" for none,
// inside the process's budget of hashes in flight.
func (s *Service) sharePasswordHash(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", nil
	}
	return s.Hasher.Hash(ctx, password, account.DefaultParams)
}

// recordUploaded records the batch's files, and its share when it made
// one, in the audit log. An upload through a file request or an anonymous
// one has no actor: nobody signed in sent it.
func (b *Batch) recordUploaded(ctx context.Context, tx pgx.Tx, saved []files.File, sh share.Share, ids []string) error {
	actor := b.owner.ID
	if b.request != nil {
		actor = ""
	}
	for _, f := range saved {
		e := audit.Event{ActorID: actor, Type: audit.FileUploaded, SubjectID: f.ID, Details: map[string]any{"size": f.Size}}
		if b.request != nil {
			e.Details["owner_id"] = b.owner.ID
		}
		if err := audit.Record(ctx, tx, e); err != nil {
			return err
		}
	}
	if sh.ID == "" || actor == "" || !b.newShare {
		return nil // no share, nobody's, or one that an earlier upload of the batch made
	}
	return recordShare(ctx, tx, actor, sh, ids)
}
