package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
)

// Bounds on a multipart upload: files, all parts (a size field per file
// and the options), and each field's bytes.
const (
	maxFiles      = 100
	maxParts      = 2*maxFiles + 10
	maxFieldBytes = 4 << 10
)

var errTooManyFiles = apiError(http.StatusBadRequest, "invalid_multipart", "send at most 100 files in one upload")

var errBadMultipart = apiError(http.StatusBadRequest, "invalid_multipart", "send multipart/form-data with one or more parts named file")

// postFiles takes several files in one multipart body and makes one share
// for all.
func (s *Server) postFiles(w http.ResponseWriter, r *http.Request) {
	asURL, err := createParams(r, createdParams)
	var u account.User
	if err == nil {
		u, err = s.uploader(r)
	}
	var saved []files.File
	var sh share.Share
	if err == nil {
		saved, sh, err = s.receiveUpload(r, u)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]fileJSON, 0, len(saved))
	for _, f := range saved {
		out = append(out, s.fileJSON(r, f, &sh))
	}
	link := s.shareJSON(r, sh, "")
	writeCreated(w, link.URL, asURL, link.URL, map[string]any{"files": out, "share": link})
}

// receiveUpload stores every file of a multipart body as u's, under one
// new share; the API and the upload form both take uploads through it.
// Each part streams to storage as it arrives; option fields may come
// before or after the files, so they are read once the body ends. On any
// failure nothing is kept.
func (s *Server) receiveUpload(r *http.Request, u account.User) ([]files.File, share.Share, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, share.Share{}, errBadMultipart
	}
	batch, err := s.Sharing.NewBatch(r.Context(), u)
	if err != nil {
		return nil, share.Share{}, err
	}
	fields, err := receiveParts(r.Context(), mr, batch)
	var opts share.Options
	if err == nil {
		password := r.Header.Get(passwordHeader)
		if password == "" {
			password = fields["password"]
		}
		opts, err = share.ParseOptions(func(k string) string { return fields[k] }, password, s.Settings.Shares)
	}
	if err != nil {
		batch.Discard(r.Context())
		return nil, share.Share{}, err
	}
	return batch.Commit(r.Context(), opts)
}

// receiveParts streams every file part into the batch and collects the
// small fields. On error the caller discards what the batch holds.
func receiveParts(ctx context.Context, mr *multipart.Reader, batch *sharing.Batch) (map[string]string, error) {
	fields := map[string]string{}
	size := int64(-1) // the next file's length, from a size field sent before it
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n >= maxParts {
			return nil, errBadMultipart
		}
		if part.FileName() == "" {
			if err := readField(part, fields); err != nil {
				return nil, err
			}
			if part.FormName() == "size" {
				if size, err = parseSize(fields["size"]); err != nil {
					return nil, err
				}
			}
			continue
		}
		if batch.Len() == maxFiles {
			return nil, errTooManyFiles
		}
		err = receivePart(ctx, part, size, batch)
		size = -1
		if err != nil {
			return nil, err
		}
	}
	if batch.Len() == 0 {
		return nil, errBadMultipart
	}
	return fields, nil
}

// receivePart stores one file part. A length known from a size field lets
// an S3 store take the part in one streamed request instead of a multipart
// upload with its part buffers; a part of any other length is refused.
func receivePart(ctx context.Context, part *multipart.Part, length int64, batch *sharing.Batch) error {
	if part.FormName() != "file" {
		return errBadMultipart
	}
	name, err := filename.CleanPath(partPath(part))
	if err != nil {
		return err
	}
	if err := batch.Fits(length); err != nil {
		return err
	}
	return batch.Add(ctx, name, part, length)
}

// partPath is a file part's filename as sent, folders and all:
// multipart.Part.FileName keeps only its last element.
func partPath(part *multipart.Part) string {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return part.FileName()
	}
	return params["filename"]
}

var errBadSize = apiError(http.StatusBadRequest, "invalid_field", "size must be a whole number of bytes, sent just before its file part")

// parseSize reads a size field: the byte length of the file part after it.
func parseSize(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errBadSize
	}
	return n, nil
}

// readField keeps one small form field.
func readField(part *multipart.Part, fields map[string]string) error {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil || len(b) > maxFieldBytes {
		return errBadMultipart
	}
	fields[part.FormName()] = string(b)
	return nil
}
