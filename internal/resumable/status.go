package resumable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferryhq/ferry/internal/account"
)

// Status is an upload as GET /api/v1/uploads/{id} tells it.
type Status struct {
	ID     string
	Offset int64
	Length int64
	FileID string // "" until the upload is a file
}

// Status reads owner's upload id: how far it is, and its file once it is
// one. Another owner's upload is not found.
func (s *Service) Status(ctx context.Context, owner account.User, id string) (Status, error) {
	row, err := getUpload(ctx, s.db, owner.ID, objectID(id))
	if err != nil {
		return Status{}, err
	}
	st := Status{ID: id, Length: row.Length, FileID: row.FileID}
	switch {
	case row.Finished:
		st.Offset = row.Length
	case row.expired(s.now()):
		return Status{}, ErrExpired
	default:
		up, err := s.store.GetUpload(ctx, id)
		if err != nil {
			return Status{}, fmt.Errorf("read upload: %w", err)
		}
		info, err := up.GetInfo(ctx)
		if err != nil {
			return Status{}, fmt.Errorf("read upload: %w", err)
		}
		// While a PATCH runs on S3, tusd has taken the stored tail of
		// the upload (its incomplete part) away to append to it, so the
		// store tells less than was acknowledged, down to 0. The row's
		// hashed offset is bytes already stored and answered; it is a
		// floor (-1 when the digest was dropped). Should the process
		// die in that window, the tail is lost and this overstates
		// until the next PATCH; HEAD, which clients resume from, tells
		// the store's offset.
		st.Offset = max(info.Offset, row.HashedTo)
	}
	return st, nil
}

// Reap ends the uploads past their expiry: an unfinished one loses its
// parts, its .info and its S3 multipart upload; a finished one only what
// tusd left beside its file (the file is not the upload's to end). Each
// row goes once its store state is gone, so a failure is retried by the
// next run. It returns how many it ended.
func (s *Service) Reap(ctx context.Context, now time.Time) (int, error) {
	var n int
	for range 100 { // at most 100 batches a run; the next run takes the rest
		list, err := expiredUploads(ctx, s.db, now, 100)
		if err != nil {
			return n, err
		}
		for _, u := range list {
			if err := s.reap(ctx, u); err != nil {
				return n, err
			}
			n++
		}
		if len(list) < 100 {
			break
		}
	}
	return n, nil
}

func (s *Service) reap(ctx context.Context, u upload) error {
	if !u.Finished {
		id, err := s.uploadID(ctx, u.ID)
		if err != nil {
			return err
		}
		if id != "" {
			if err := terminate(ctx, s.backend.store, id); err != nil {
				return fmt.Errorf("end expired upload %s: %w", u.ID, err)
			}
		}
	}
	s.backend.forget(ctx, u.ID)
	return deleteUpload(ctx, s.db, u.ID)
}

// uploadID finds tusd's id of an object id: the same on filestore; on S3
// the .info names it. "" if tusd has nothing of it.
func (s *Service) uploadID(ctx context.Context, oid string) (string, error) {
	if s.backend.idOf == nil {
		return oid, nil
	}
	id, err := s.backend.idOf(ctx, oid)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return id, err
}
