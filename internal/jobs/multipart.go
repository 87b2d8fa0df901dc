package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ferryhq/ferry/internal/storage"
)

// abortStale is the sweep's part for multipart uploads; it logs what it
// aborted.
func (w *sweepWorker) abortStale(ctx context.Context, cutoff time.Time, jobID int64) error {
	n, err := abortStaleUploads(ctx, w.d.Direct, cutoff, w.resumable)
	if n > 0 {
		w.d.Log.Info("aborted stale multipart uploads", "uploads", n, "job_id", jobID)
	}
	return err
}

// resumable reports whether key is a resumable upload in progress: its S3
// multipart upload may rest for as long as UPLOAD_EXPIRY between PATCHes,
// and is the expire_uploads job's to end, not the sweep's.
func (w *sweepWorker) resumable(ctx context.Context, key string) (bool, error) {
	if w.d.Uploads == nil {
		return false, nil
	}
	return w.d.Uploads.InProgress(ctx, key)
}

// abortStaleUploads aborts the S3 multipart uploads under Ferry's upload
// prefix that began before cutoff. An upload of unknown length goes to S3
// as a multipart upload; if the web process dies before completing or
// aborting it, S3 keeps the parts, and bills them, for ever, invisible to
// the object listing the sweep walks. Other stores need nothing of the
// kind (docs/operations.md), so without an S3 client this does nothing.
func abortStaleUploads(ctx context.Context, s3c *storage.Direct, cutoff time.Time, resumable func(ctx context.Context, key string) (bool, error)) (int, error) {
	if s3c == nil {
		return 0, nil
	}
	prefix := s3c.Prefix + storage.KeyPrefix
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(s3c.Bucket), Prefix: aws.String(prefix)}
	aborted := 0
	for {
		page, err := s3c.Client.ListMultipartUploads(ctx, in)
		if err != nil {
			return aborted, fmt.Errorf("list multipart uploads: %w", err)
		}
		for _, u := range page.Uploads {
			n, err := abortIfStale(ctx, s3c, u, cutoff, resumable)
			aborted += n
			if err != nil {
				return aborted, err
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			return aborted, nil
		}
		in.KeyMarker, in.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
}

// abortIfStale aborts u unless it began, or last received a part, after
// cutoff: a large upload over a slow link can outlast the grace and is
// still alive while its parts keep coming.
func abortIfStale(ctx context.Context, s3c *storage.Direct, u types.MultipartUpload, cutoff time.Time, resumable func(ctx context.Context, key string) (bool, error)) (int, error) {
	if u.Initiated == nil || !u.Initiated.Before(cutoff) {
		return 0, nil
	}
	if keep, err := resumable(ctx, strings.TrimPrefix(aws.ToString(u.Key), s3c.Prefix)); keep || err != nil {
		return 0, err
	}
	last, err := lastPart(ctx, s3c, u)
	if isNoSuchUpload(err) {
		return 0, nil // completed or aborted meanwhile
	}
	if err != nil || last.After(cutoff) {
		return 0, err
	}
	_, err = s3c.Client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s3c.Bucket), Key: u.Key, UploadId: u.UploadId})
	switch {
	case isNoSuchUpload(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("abort multipart upload of %s: %w", aws.ToString(u.Key), err)
	}
	return 1, nil
}

// lastPart returns when u last received a part; the zero time if never.
func lastPart(ctx context.Context, s3c *storage.Direct, u types.MultipartUpload) (time.Time, error) {
	in := &s3.ListPartsInput{Bucket: aws.String(s3c.Bucket), Key: u.Key, UploadId: u.UploadId}
	var last time.Time
	for {
		page, err := s3c.Client.ListParts(ctx, in)
		if err != nil {
			return last, fmt.Errorf("list parts of %s: %w", aws.ToString(u.Key), err)
		}
		for _, p := range page.Parts {
			if p.LastModified != nil && p.LastModified.After(last) {
				last = *p.LastModified
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			return last, nil
		}
		in.PartNumberMarker = page.NextPartNumberMarker
	}
}

func isNoSuchUpload(err error) bool {
	var nsu *types.NoSuchUpload
	return errors.As(err, &nsu)
}
