package sharing

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/storage"
)

// Stored is an object that arrived by another path than Batch.Add (a
// resumable upload, whose bytes came in many requests) and is now whole
// under Ferry's key prefix.
type Stored struct {
	Name         string
	Object       storage.Received
	PasswordHash string // the share's password, hashed already; "" for opts.Password (or none)
	// Batch, when set, puts the file in the share of the owner's other
	// uploads with the same batch id: the first of them to commit makes
	// the share with its opts, later ones join it (share.Join).
	Batch string
	// Request, when set, makes the object a file received by that file
	// request from From: no share, counted into the request, whose hold
	// (taken by UploadID at the upload's creation) is released.
	Request  *filerequest.Request
	From     filerequest.Uploader
	UploadID string
	// Also runs inside the commit's transaction, once the file, its share
	// and its job are written: the caller's own row is updated with them,
	// or nothing is.
	Also func(ctx context.Context, tx pgx.Tx, f files.File, sh share.Share) error
}

// CommitStored makes one stored object a file of owner with its share and
// processing job, in one transaction: Batch.Commit, as for every other
// upload, so quota, rows and jobs follow the same rules. The owner's
// quota is charged here; when it no longer has room, or the commit fails
// otherwise, the object is deleted and nothing is kept.
func (s *Service) CommitStored(ctx context.Context, owner account.User, in Stored, opts share.Options) (files.File, share.Share, error) {
	b := &Batch{svc: s, owner: owner, passwordHash: in.PasswordHash, batch: in.Batch}
	b.received = []received{{in.Name, in.Object}}
	if in.Request != nil {
		b.request = &toRequest{id: in.Request.ID, notify: in.Request.Notify, from: in.From, uploadID: in.UploadID}
	}
	if in.Also != nil {
		b.also = func(ctx context.Context, tx pgx.Tx, saved []files.File, sh share.Share) error {
			return in.Also(ctx, tx, saved[0], sh)
		}
	}
	saved, sh, err := b.Commit(ctx, opts)
	if err != nil {
		return files.File{}, share.Share{}, err
	}
	return saved[0], sh, nil
}

// HashSharePassword hashes a share password for later use as
// Stored.PasswordHash, or returns "" for none.
func (s *Service) HashSharePassword(ctx context.Context, password string) (string, error) {
	return s.sharePasswordHash(ctx, password)
}
