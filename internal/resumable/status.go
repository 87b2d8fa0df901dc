package resumable

import (
	"context"
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

// Reap ends the uploads past their expiry; see Reaper.Reap.
func (s *Service) Reap(ctx context.Context, now time.Time) (int, error) {
	return s.reaper().Reap(ctx, now)
}

func (s *Service) reaper() *Reaper {
	return &Reaper{db: s.db, backend: s.backend, bucket: s.cfg.Sharing.Bucket()}
}
