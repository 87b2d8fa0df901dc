package sharing

import (
	"context"
	"time"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
)

// OpenShare returns a live share and its files, for the share page, without
// spending a download. A locked share still answers, with HasPassword set;
// callers reveal its files only once unlocked.
func (s *Service) OpenShare(ctx context.Context, token string) (share.Share, []files.File, error) {
	sh, fs, _, err := share.ByToken(ctx, s.DB, token)
	if err == nil && len(fs) == 0 {
		err = share.ErrGone // every file of it was deleted
	}
	return sh, fs, err
}

// PasswordHash returns the id and password hash ("" for an open share) of
// the share with token, so a password can be checked before anything is
// counted.
func (s *Service) PasswordHash(ctx context.Context, token string) (id, hash string, err error) {
	return share.Lock(ctx, s.DB, token)
}

// Spend counts one download of file id through token, while the share is
// live, holds the file and is open or unlocked. The count is not final
// until Open has the bytes.
func (s *Service) Spend(ctx context.Context, token, id string, unlocked bool) (share.Download, error) {
	return share.Spend(ctx, s.DB, token, id, unlocked)
}

// Peek returns file id of the share without counting, for HEAD, a
// conditional GET and ranges that continue a counted download. continuing
// lets the download that reached the share's limit finish.
func (s *Service) Peek(ctx context.Context, token, id string, unlocked, continuing bool) (share.Download, error) {
	return share.Peek(ctx, s.DB, token, id, unlocked, continuing)
}

// Open opens length bytes of d from start. When d was counted and storage
// fails, the download is given back, since no byte of it went out; once
// the bytes are ready, the owner's download mail is queued if asked for.
func (s *Service) Open(ctx context.Context, d share.Download, start, length int64) (*blob.Reader, error) {
	rd, err := s.Store.Bucket.NewRangeReader(ctx, d.BlobKey, start, length, nil)
	if err != nil {
		s.refund(ctx, d.Counted, d.ShareID)
		return nil, err
	}
	if d.Counted && d.Notify {
		s.notify(ctx, d)
	}
	return rd, nil
}

// SignedURL is a short-lived storage URL of d's bytes, for downloads that
// bypass Ferry; a counted download is given back when signing fails.
func (s *Service) SignedURL(ctx context.Context, d share.Download) (string, error) {
	u, err := s.Store.Bucket.SignedURL(ctx, d.BlobKey, &blob.SignedURLOptions{Expiry: 5 * time.Minute})
	if err != nil {
		s.refund(ctx, d.Counted, d.ShareID)
		return "", err
	}
	if d.Counted && d.Notify {
		s.notify(ctx, d)
	}
	return u, nil
}

// Zip is a share's files for one download of them all, with the first
// file's reader open.
type Zip struct {
	Files []files.File
	First *blob.Reader // nil for a HEAD
}

// SpendZip counts one download of the whole share and opens its first
// file, giving the download back when storage fails before a byte went
// out. count false (a HEAD) counts nothing and opens nothing.
func (s *Service) SpendZip(ctx context.Context, token string, unlocked, count bool) (Zip, error) {
	if !count {
		sh, fs, err := s.OpenShare(ctx, token)
		if err == nil && sh.HasPassword && !unlocked {
			err = share.ErrLocked
		}
		return Zip{Files: fs}, err
	}
	shareID, fs, err := share.SpendAll(ctx, s.DB, token, unlocked)
	if err != nil {
		return Zip{}, err
	}
	first, err := s.OpenObject(ctx, fs[0].BlobKey)
	if err != nil {
		s.refund(ctx, true, shareID)
		return Zip{}, err
	}
	return Zip{Files: fs, First: first}, nil
}

// OpenObject opens a stored object whole.
func (s *Service) OpenObject(ctx context.Context, key string) (*blob.Reader, error) {
	return s.Store.Bucket.NewReader(ctx, key, nil)
}

// Thumbnail opens file id's thumbnail under the file's own access rules;
// looking at it spends no download. A file without one is
// files.ErrNotFound.
func (s *Service) Thumbnail(ctx context.Context, token, id string, unlocked bool) (*blob.Reader, error) {
	d, err := share.Peek(ctx, s.DB, token, id, unlocked, false)
	if err == nil && d.ThumbKey == "" {
		err = files.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.OpenObject(ctx, d.ThumbKey)
}

// refund gives back a counted download that sent nothing. Should that
// fail too, the download stays spent: logged, not answered, since the
// request has its own error to answer with.
func (s *Service) refund(ctx context.Context, counted bool, shareID string) {
	if !counted {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := share.Refund(ctx, s.DB, shareID); err != nil {
		s.Log.ErrorContext(ctx, "give back a download that sent nothing", "share_id", shareID, "error", err.Error())
	}
}

// notify queues the owner's download mail. The download is already
// counted, so a failure here is logged, not answered.
func (s *Service) notify(ctx context.Context, d share.Download) {
	if s.Jobs == nil {
		return
	}
	args := jobs.DownloadMailArgs{ShareID: d.ShareID, FileID: d.ID, At: time.Now().UTC()}
	if _, err := s.Jobs.Insert(ctx, args, jobs.From(ctx)); err != nil {
		s.Log.ErrorContext(ctx, "enqueue download mail", "share_id", d.ShareID, "error", err.Error())
	}
}
