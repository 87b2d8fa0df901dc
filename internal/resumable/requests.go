package resumable

import (
	"context"
	"net/http"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/filerequest"
)

// Uploads to file requests: a tus upload whose Upload-Metadata has
// `request` (the request link's token) is sent by someone without an
// account to that request's owner. The web layer opens the request (its
// password, its rate limit) and hands it to CreateForRequest; the
// upload's later requests are served by ServeForRequest to whoever holds
// its id, which is as unguessable as a link token.

// RequestToken is the request link token an upload's creation names in
// its metadata, or "" for an upload of the caller's own.
func RequestToken(r *http.Request) string {
	return handler.ParseMetadataHeader(r.Header.Get("Upload-Metadata"))["request"]
}

// CreateForRequest serves POST /api/v1/uploads for an upload to q. Its
// length must fit what q still takes, the owner's quota and
// MAX_UPLOAD_SIZE (413), and q must have a slot (409) before the upload
// exists; the slot is held until the upload commits or ends.
func (s *Service) CreateForRequest(w http.ResponseWriter, r *http.Request, q filerequest.Request, fail Fail) {
	s.createFor(w, r, account.User{ID: q.OwnerID}, &q, fail)
}

// ServeForRequest serves HEAD, PATCH and DELETE on an upload to a file
// request, for the uploader, who has no account. Any other upload is not
// found; one whose request was closed or expired meanwhile is gone
// (410), at once.
func (s *Service) ServeForRequest(w http.ResponseWriter, r *http.Request, fail Fail) {
	ctx := r.Context()
	row, err := requestUpload(ctx, s.db, objectID(r.PathValue("id")))
	var q filerequest.Request
	if err == nil {
		q, err = filerequest.ByID(ctx, s.db, row.RequestID)
	}
	if err != nil && r.Method == http.MethodDelete && !row.Finished && row.ID != "" {
		err = nil // ending an upload to a closed request is still allowed
	}
	s.serveRow(w, r, account.User{ID: row.OwnerID}, row, err, &q, fail)
}

// admitToRequest is admit for an upload to a file request: the request's
// room, the uploader's name and note, no share options.
func (s *Service) admitToRequest(ctx context.Context, req *request, info handler.FileInfo) (upload, error) {
	from, err := filerequest.ParseUploader(info.MetaData["from"], info.MetaData["note"])
	if err != nil {
		return upload{}, err
	}
	b, err := s.cfg.Sharing.NewRequestBatch(ctx, *req.toRequest, from)
	if err == nil {
		err = b.Fits(info.Size)
	}
	if err != nil {
		return upload{}, err
	}
	name, err := filename.Clean(info.MetaData["filename"])
	if err != nil {
		return upload{}, err
	}
	return upload{ID: newObjectID(), OwnerID: req.owner.ID, Name: name, Length: info.Size, ExpiresAt: s.now().Add(s.cfg.Expiry),
		// The row's share options are unused: a received file has no share.
		ExpiresIn: s.cfg.Sharing.Settings.Shares.DefaultExpiresIn,
		RequestID: req.toRequest.ID, From: from}, nil
}

// holdRequest takes the request's slot for a new upload to it, whose row
// is written; if there is none the row goes again.
func (s *Service) holdRequest(ctx context.Context, req *request, row upload) error {
	if req.toRequest == nil {
		return nil
	}
	err := filerequest.Take(ctx, s.db, row.RequestID, filerequest.Hold{UploadID: row.ID, Bytes: row.Length})
	if err != nil {
		s.dropRow(ctx, row.ID)
	}
	return err
}
