package sharing

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

// Owned is one of a user's files with the share its listing shows: the
// newest live one, or the newest when none is live; nil for none.
type Owned struct {
	files.File
	Share *share.Share
}

// FilesPage is one page of owner's files, each with its share, and the
// cursors of the pages beside it.
type FilesPage struct {
	Files      []Owned
	Next, Prev string
}

// FilePage returns one page of owner's files as l asks (files.PageOf:
// search, order, keyset cursor), each with its share.
func (s *Service) FilePage(ctx context.Context, owner account.User, l files.Listing) (FilesPage, error) {
	p, err := files.PageOf(ctx, s.DB, owner.ID, l)
	if err != nil {
		return FilesPage{}, err
	}
	list, err := s.withShares(ctx, p.Files)
	if err != nil {
		return FilesPage{}, err
	}
	return FilesPage{Files: list, Next: p.Next, Prev: p.Prev}, nil
}

// File returns one of owner's files with its share; anyone else's is
// files.ErrNotFound.
func (s *Service) File(ctx context.Context, owner account.User, id string) (Owned, error) {
	f, err := files.Get(ctx, s.DB, owner.ID, id)
	if err != nil {
		return Owned{}, err
	}
	out, err := s.withShares(ctx, []files.File{f})
	if err != nil {
		return Owned{}, err
	}
	return out[0], nil
}

func (s *Service) withShares(ctx context.Context, list []files.File) ([]Owned, error) {
	ids := make([]string, len(list))
	for i, f := range list {
		ids[i] = f.ID
	}
	latest, err := share.Latest(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Owned, len(list))
	for i, f := range list {
		out[i].File = f
		if sh, ok := latest[f.ID]; ok {
			out[i].Share = &sh
		}
	}
	return out, nil
}

// DeleteFile removes one of owner's files: its row, so every link to it
// stops at once, its quota and, in the same transaction, a job that
// deletes its objects. The objects are deleted at once too; the job then
// finds nothing left to do, unless that failed.
func (s *Service) DeleteFile(ctx context.Context, owner account.User, id string) error {
	var gone files.File
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if gone, err = files.Delete(ctx, tx, owner.ID, id); err != nil {
			return err
		}
		if err := account.Refund(ctx, tx, owner.ID, gone.Size); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{ActorID: owner.ID, Type: audit.FileDeleted, SubjectID: gone.ID,
			Details: map[string]any{"size": gone.Size}}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, jobs.DeleteObjectsArgs{Keys: gone.Keys()})
	})
	if err != nil {
		return err
	}
	s.deleteObjects(ctx, gone.Keys())
	return nil
}

// Share makes a new share of owner's files ids; an id that names no file
// of owner's is share.ErrUnknownFile, so nobody shares what is not theirs.
func (s *Service) Share(ctx context.Context, owner account.User, ids []string, opts share.Options) (share.Share, error) {
	hash, err := s.sharePasswordHash(ctx, opts.Password)
	if err != nil {
		return share.Share{}, err
	}
	var sh share.Share
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := share.CheckOwned(ctx, tx, owner.ID, ids); err != nil {
			return err
		}
		if sh, err = share.Create(ctx, tx, owner.ID, ids, opts, hash); err != nil {
			return err
		}
		return recordShare(ctx, tx, owner.ID, sh, ids)
	})
	return sh, err
}

// recordShare records a new share of ids in the audit log.
func recordShare(ctx context.Context, tx pgx.Tx, ownerID string, sh share.Share, ids []string) error {
	return audit.Record(ctx, tx, audit.Event{ActorID: ownerID, Type: audit.ShareCreated, SubjectID: sh.ID,
		Details: map[string]any{"file_ids": ids, "password": sh.HasPassword, "expires_at": sh.ExpiresAt, "max_downloads": sh.MaxDownloads}})
}

// Shares lists owner's shares, newest first, with their files' ids.
func (s *Service) Shares(ctx context.Context, owner account.User) ([]share.Listed, error) {
	return share.List(ctx, s.DB, owner.ID)
}

// EndShare ends one of owner's shares; its links stop at once.
func (s *Service) EndShare(ctx context.Context, owner account.User, id string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := share.Delete(ctx, tx, owner.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{ActorID: owner.ID, Type: audit.ShareDeleted, SubjectID: id})
	})
}

// GetShare returns one of owner's shares with its files and what is left
// of it, live or ended; anyone else's is share.ErrNotFound.
func (s *Service) GetShare(ctx context.Context, owner account.User, id string) (share.Listed, error) {
	return share.Get(ctx, s.DB, owner.ID, id)
}

// EditShare changes the expiry, download limit or password of one of
// owner's live shares (share.Update), and returns it as it now is. An
// ended share is share.ErrGone: make a new link instead.
func (s *Service) EditShare(ctx context.Context, owner account.User, id string, e share.Edit) (share.Listed, error) {
	c := share.Change{ExpiresIn: e.ExpiresIn, MaxDownloads: e.MaxDownloads}
	if e.Password != nil {
		hash, err := s.sharePasswordHash(ctx, *e.Password)
		if err != nil {
			return share.Listed{}, err
		}
		c.PasswordHash = &hash
	}
	var out share.Listed
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := share.Update(ctx, tx, owner.ID, id, c); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{ActorID: owner.ID, Type: audit.ShareEdited, SubjectID: id,
			Details: editDetails(e)}); err != nil {
			return err
		}
		var err error
		out, err = share.Get(ctx, tx, owner.ID, id)
		return err
	})
	return out, err
}

// ShareAgain makes a new share of the files of one of owner's shares,
// live or ended, with opts: another link to the same files, with its own
// limits.
func (s *Service) ShareAgain(ctx context.Context, owner account.User, id string, opts share.Options) (share.Share, error) {
	l, err := share.Get(ctx, s.DB, owner.ID, id)
	if err != nil {
		return share.Share{}, err
	}
	return s.Share(ctx, owner, l.FileIDs, opts)
}

// ShareHistory returns the download history of one of owner's shares,
// newest first.
func (s *Service) ShareHistory(ctx context.Context, owner account.User, id string) ([]share.Event, error) {
	return share.History(ctx, s.DB, owner.ID, id)
}

// editDetails says what an edit changed, for the audit log: the new
// expiry and limit, and whether the password changed (never the password).
func editDetails(e share.Edit) map[string]any {
	d := map[string]any{}
	if e.ExpiresIn != nil {
		d["expires_in_seconds"] = int64(e.ExpiresIn.Seconds())
	}
	if e.MaxDownloads != nil {
		d["max_downloads"] = *e.MaxDownloads
	}
	if e.Password != nil {
		d["password"] = map[bool]string{true: "removed", false: "changed"}[*e.Password == ""]
	}
	return d
}
