package storage

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// maxSinglePut is the largest object S3 accepts in one PutObject.
const maxSinglePut = 5 << 30

// Direct is an S3 bucket's own client, kept beside the gocloud bucket so
// that an upload whose length is known goes to the store in one streamed
// PutObject. A multipart upload would hold several parts in memory and
// make the store assemble them after the last byte; one request holds a
// copy buffer and the object is complete when the body ends.
type Direct struct {
	Client *s3.Client
	Bucket string
	Prefix string // the BLOB_URL's prefix parameter, which gocloud adds to every key
}

// put streams exactly size bytes of body into key. The payload is sent
// unsigned: signing it would read the body twice, which a stream cannot
// do. Over https the transport protects the bytes, and Ferry keeps its own
// SHA-256 of them in any case. A body shorter than size fails the request.
// S3 keeps nothing of a PutObject that fails on its side; the caller still
// deletes the key after a failure, since one that failed on ours (a cancel
// after the last byte) may have been stored.
func (d *Direct) put(ctx context.Context, key string, body io.Reader, size int64, opts *blob.WriterOptions) error {
	_, err := d.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:             aws.String(d.Bucket),
		Key:                aws.String(d.Prefix + key),
		Body:               body,
		ContentLength:      aws.Int64(size),
		ContentType:        aws.String(opts.ContentType),
		ContentDisposition: optional(opts.ContentDisposition),
	}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware), func(o *s3.Options) {
		// A checksum of a stream goes in a trailer, which needs TLS.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	if err != nil {
		return fmt.Errorf("put object: %w", err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
