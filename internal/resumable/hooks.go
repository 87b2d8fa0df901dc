package resumable

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/storage"
)

// passwordHeader carries a share password at creation; never metadata,
// which tusd stores in the clear (and S3 returns with the object).
const passwordHeader = "Ferry-Share-Password"

// preCreate admits a new upload before tusd creates it and before a byte
// of its body is read: its length against MAX_UPLOAD_SIZE and the owner's
// quota (413), its name and share options (400). It writes Ferry's row,
// and gives tusd the object id (the file's key to be) and the metadata
// tusd may keep: the client's, never the password.
func (s *Service) preCreate(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	ctx, req := hook.Context, from(hook.Context)
	row, err := s.admit(ctx, req, hook.Upload)
	if err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.explain(ctx, req, err)
	}
	if err := insertUpload(ctx, s.db, row); err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.explain(ctx, req, err)
	}
	if err := s.holdRequest(ctx, req, row); err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, s.explain(ctx, req, err)
	}
	meta := map[string]string{"filename": row.Name}
	if t := hook.Upload.MetaData["filetype"]; t != "" {
		meta["filetype"] = t
	}
	resp := handler.HTTPResponse{Header: handler.HTTPHeader{"Upload-Expires": row.ExpiresAt.UTC().Format(http.TimeFormat)}}
	return resp, handler.FileInfoChanges{ID: row.ID, MetaData: meta}, nil
}

func (s *Service) admit(ctx context.Context, req *request, info handler.FileInfo) (upload, error) {
	if info.SizeIsDeferred {
		return upload{}, ErrLengthRequired
	}
	if req.toRequest != nil {
		return s.admitToRequest(ctx, req, info)
	}
	b, err := s.cfg.Sharing.NewBatch(ctx, req.owner)
	if err == nil {
		err = b.Fits(info.Size)
	}
	if err != nil {
		return upload{}, err
	}
	name, err := filename.CleanPath(info.MetaData["filename"])
	if err != nil {
		return upload{}, err
	}
	opts, err := share.ParseOptions(func(k string) string { return info.MetaData[k] }, req.header.Get(passwordHeader), s.cfg.Sharing.Settings.Shares)
	if err != nil {
		return upload{}, err
	}
	batch, err := ParseBatch(info.MetaData["batch"])
	if err != nil {
		return upload{}, err
	}
	row := upload{ID: newObjectID(), OwnerID: req.owner.ID, Name: name, Length: info.Size, Batch: batch, ExpiresAt: s.now().Add(s.cfg.Expiry)}
	if batch != "" {
		first, ok, err := firstOfBatch(ctx, s.db, req.owner.ID, batch)
		if err != nil {
			return upload{}, err
		}
		if ok { // the batch's share options are its first upload's
			row.ExpiresIn, row.MaxDownloads, row.Notify, row.PasswordHash = first.ExpiresIn, first.MaxDownloads, first.Notify, first.PasswordHash
			return row, nil
		}
	}
	if row.PasswordHash, err = s.cfg.Sharing.HashSharePassword(ctx, opts.Password); err != nil {
		return upload{}, err
	}
	row.ExpiresIn, row.MaxDownloads, row.Notify = opts.ExpiresIn, opts.MaxDownloads, opts.Notify
	return row, nil
}

// newObjectID is the random part of a key storage.NewKey would make.
func newObjectID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// preFinish runs when the last byte is stored, before tusd answers the
// PATCH: the object is made whole under its key and committed as a file
// with its share and job. If that fails the upload ends with nothing
// kept (no object, no row), and the client is told why (413 when the
// quota filled meanwhile).
func (s *Service) preFinish(hook handler.HookEvent) (handler.HTTPResponse, error) {
	ctx, req := hook.Context, from(hook.Context)
	f, err := s.commit(ctx, req, hook.Upload)
	if err != nil {
		s.abandon(ctx, hook.Upload.ID, objectID(hook.Upload.ID))
		return handler.HTTPResponse{}, s.explain(ctx, req, err)
	}
	s.backend.forget(ctx, objectID(hook.Upload.ID))
	if req.toRequest != nil {
		return handler.HTTPResponse{}, nil // the file is the request owner's; its id is not the uploader's to know
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{"Ferry-File-Id": f.ID}}, nil
}

func (s *Service) commit(ctx context.Context, req *request, info handler.FileInfo) (files.File, error) {
	oid := objectID(info.ID)
	row, err := getUpload(ctx, s.db, req.owner.ID, oid)
	if err != nil {
		return files.File{}, err
	}
	if err := s.backend.finish(ctx, info.ID, oid); err != nil {
		return files.File{}, fmt.Errorf("finish upload: %w", err)
	}
	got := storage.Received{Key: storage.KeyPrefix + oid, Size: info.Size}
	if got.ContentType, err = s.sniff(ctx, got.Key); err != nil {
		return files.File{}, err
	}
	if got.SHA256, err = s.digest(ctx, row, got.Key); err != nil {
		return files.File{}, err
	}
	opts := share.Options{ExpiresIn: row.ExpiresIn, MaxDownloads: row.MaxDownloads, Notify: row.Notify}
	f, _, err := s.cfg.Sharing.CommitStored(ctx, req.owner, sharing.Stored{
		Name: row.Name, Object: got, PasswordHash: row.PasswordHash, Batch: row.Batch,
		Request: req.toRequest, From: row.From, UploadID: row.ID,
		Also: func(ctx context.Context, tx pgx.Tx, f files.File, sh share.Share) error {
			return markFinished(ctx, tx, oid, f.ID, sh.ID)
		},
	}, opts)
	return f, err
}

// sniff reads the object's first bytes for its type, as storage.Receive
// does for other uploads: the client's filetype is not trusted.
func (s *Service) sniff(ctx context.Context, key string) (string, error) {
	r, err := s.cfg.Sharing.Bucket().NewRangeReader(ctx, key, 0, 512, nil)
	if err != nil {
		return "", fmt.Errorf("read upload head: %w", err)
	}
	defer r.Close()
	head, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read upload head: %w", err)
	}
	return http.DetectContentType(head), nil
}

// digest is the object's SHA-256: from the state the PATCHes left when it
// covers every byte, else by reading the object once.
func (s *Service) digest(ctx context.Context, row upload, key string) ([]byte, error) {
	state, at, err := hashState(ctx, s.db, row.ID)
	h := sha256.New()
	if err == nil && at == row.Length {
		if at == 0 || h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state) == nil {
			return h.Sum(nil), nil
		}
		h.Reset()
	}
	s.cfg.Log.InfoContext(ctx, "upload hash state incomplete; hashing the object", "upload", row.ID)
	r, err := s.cfg.Sharing.Bucket().NewReader(ctx, key, nil)
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	defer r.Close()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("hash upload: %w", err)
	}
	return h.Sum(nil), nil
}

// abandon ends an upload whose commit failed: its object, tusd's state and
// its row. What fails here is left to the cleanup, after the expiry.
func (s *Service) abandon(ctx context.Context, id, oid string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := terminate(ctx, s.backend.store, id); err != nil {
		s.cfg.Log.WarnContext(ctx, "end failed upload", "upload", id, "error", err.Error())
	}
	_ = deleteQuietly(ctx, s.cfg.Sharing.Bucket(), storage.KeyPrefix+oid)
	s.backend.forget(ctx, oid)
	s.dropRow(ctx, oid)
}

// explain turns a failure into tusd's error, answered as the web layer's
// error table says: the same status and JSON body as any other request.
func (s *Service) explain(ctx context.Context, req *request, err error) error {
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, BasePath, http.NoBody)
	req.fail(rec, r, err)
	resp := handler.HTTPResponse{StatusCode: rec.code, Body: rec.body.String(), Header: handler.HTTPHeader{}}
	for k := range rec.header {
		resp.Header[k] = rec.header.Get(k)
	}
	return handler.Error{ErrorCode: "ERR_FERRY_" + strconv.Itoa(rec.code), Message: err.Error(), HTTPResponse: resp}
}

// recorder keeps what a Fail wrote, for tusd to send.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }
