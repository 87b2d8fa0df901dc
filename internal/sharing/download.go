package sharing

import (
	"context"
	"time"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/jobs"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/webhook"
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

// Spend reserves a whole copy of file id through token, while the share
// is live, holds the file, is open or unlocked and has room left in the
// file's download budget (share.Reserve). What is reserved is final only
// once Finish says it was sent.
func (s *Service) Spend(ctx context.Context, token, id string, unlocked bool) (share.Download, error) {
	return share.Spend(ctx, s.DB, token, id, unlocked)
}

// Reserve is Spend for length bytes from start, a range.
func (s *Service) Reserve(ctx context.Context, token, id string, unlocked bool, start, length int64) (share.Download, error) {
	return share.Reserve(ctx, s.DB, token, id, unlocked, start, length)
}

// Peek returns file id of the share without reserving anything, for HEAD,
// a conditional GET and finding a file's size before its range is
// reserved.
func (s *Service) Peek(ctx context.Context, token, id string, unlocked bool) (share.Download, error) {
	return share.Peek(ctx, s.DB, token, id, unlocked)
}

// Open opens the bytes d reserved, from start. When storage fails, the
// reservation is given back, since no byte of it went out.
func (s *Service) Open(ctx context.Context, d share.Download, start int64) (*blob.Reader, error) {
	rd, err := s.Store.Bucket.NewRangeReader(ctx, d.BlobKey, start, d.Reserved, nil)
	if err != nil {
		s.refund(ctx, d, d.Reserved)
		return nil, err
	}
	return rd, nil
}

// Finish settles a response that sent sent bytes of what d reserved to
// the client group client (clientKey's, kept only hashed): what it did
// not send is given back, so a download cut short costs only what reached
// the client and can be resumed; a whole one that counted queues the
// owner's download mail if asked for, and share.downloaded for the
// owner's webhooks. A response that sent anything goes into the share's
// download history.
func (s *Service) Finish(ctx context.Context, d share.Download, sent int64, client string) {
	if sent > 0 || d.Counted && d.Size == 0 {
		whole := d.Counted && d.Reserved == d.Size && sent == d.Reserved
		s.record(ctx, d.ShareID, share.Event{FileID: d.ID, Bytes: sent, Whole: whole}, client)
	}
	if sent < d.Reserved {
		s.refund(ctx, d, d.Reserved-sent)
		return
	}
	if d.Counted && d.Notify {
		s.notify(ctx, d)
	}
	if d.Counted {
		s.emitDownloaded(ctx, d.ShareID, webhook.DownloadData{ShareID: d.ShareID, FileID: d.ID, Name: d.Name, Size: d.Size})
	}
}

// FinishZip puts a zip of share shareID that sent sent bytes, all of it
// or not, into the share's download history.
func (s *Service) FinishZip(ctx context.Context, shareID string, sent int64, whole bool, client string) {
	if sent > 0 {
		s.record(ctx, shareID, share.Event{Bytes: sent, Whole: whole}, client)
	}
}

// record writes a history event after its response, even when the
// client has gone. The download is settled already, so a failure is
// logged, not answered.
func (s *Service) record(ctx context.Context, shareID string, e share.Event, client string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	e.Client = share.ClientHash(shareID, client)
	if err := share.Record(ctx, s.DB, shareID, e); err != nil {
		s.Log.WarnContext(ctx, "record a download in the share's history", "share_id", shareID, "error", err.Error())
	}
}

// SignedURL is a short-lived storage URL of d's bytes, for downloads that
// bypass Ferry: storage serves them, so the reservation stands once the
// URL is made (and the history says it was sent to client), and is given
// back when signing fails.
func (s *Service) SignedURL(ctx context.Context, d share.Download, client string) (string, error) {
	u, err := s.Store.Bucket.SignedURL(ctx, d.BlobKey, &blob.SignedURLOptions{Expiry: 5 * time.Minute})
	if err != nil {
		s.refund(ctx, d, d.Reserved)
		return "", err
	}
	s.Finish(ctx, d, d.Reserved, client)
	return u, nil
}

// Zip is a share's files for one download of them all, with the first
// file's reader open.
type Zip struct {
	ShareID string // "" for a HEAD
	Files   []files.File
	First   *blob.Reader // nil for a HEAD
}

// SpendZip counts one download of the whole share and opens its first
// file, giving the download back when storage fails before a byte went
// out, and queues share.downloaded for the owner's webhooks. count false
// (a HEAD) counts nothing and opens nothing.
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
		for i, f := range fs { // the zip counted once, and reserved each file whole
			s.refund(ctx, share.Download{File: f, ShareID: shareID, Reserved: f.Size, Counted: i == 0}, f.Size)
		}
		return Zip{}, err
	}
	s.emitDownloaded(ctx, shareID, zipData(shareID, fs))
	return Zip{ShareID: shareID, Files: fs, First: first}, nil
}

// OpenObject opens a stored object whole.
func (s *Service) OpenObject(ctx context.Context, key string) (*blob.Reader, error) {
	return s.Store.Bucket.NewReader(ctx, key, nil)
}

// Thumbnail opens file id's thumbnail under the file's own access rules;
// looking at it spends no download. A file without one is
// files.ErrNotFound.
func (s *Service) Thumbnail(ctx context.Context, token, id string, unlocked bool) (*blob.Reader, error) {
	d, err := share.Peek(ctx, s.DB, token, id, unlocked)
	if err == nil && d.ThumbKey == "" {
		err = files.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.OpenObject(ctx, d.ThumbKey)
}

// refund gives back unsent bytes of d's reservation. Should that fail
// too, they stay spent: logged, not answered, since the request has its
// own error or is over.
func (s *Service) refund(ctx context.Context, d share.Download, unsent int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := share.Refund(ctx, s.DB, d, unsent); err != nil {
		s.Log.ErrorContext(ctx, "give back download bytes that were not sent", "share_id", d.ShareID, "bytes", unsent, "error", err.Error())
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
