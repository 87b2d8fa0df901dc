package resumable

import (
	"context"
	"io"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"

	"github.com/ferryhq/ferry/internal/backing"
)

// tusd answers any store error that is not its own with 500 and the
// error's text. A store that is down (storage refusing, timing out, the
// SDK's retries exhausted) is a backing failure, which Ferry answers 503
// with Retry-After from the web layer's error table. So the store is
// wrapped to note such an error on the request, and tusd's answer is
// wrapped to give that 500 to the table (the request's fail) instead.

// backingFailure is a request's first backing failure, noted by the store.
type backingFailure struct {
	mu  sync.Mutex
	err error
}

// note keeps err if it is a backing failure and none was kept before.
func (b *backingFailure) note(err error) {
	if err == nil || !backing.Unavailable(err) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}

func (b *backingFailure) get() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// noteFailure notes err on the request ctx serves, if any, and returns it.
func noteFailure(ctx context.Context, err error) error {
	if req := from(ctx); req != nil && err != nil {
		req.failure.note(err)
	}
	return err
}

// noticingStore is a tusd store whose backing failures are noted.
type noticingStore struct{ tusStore }

func (s noticingStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	u, err := s.tusStore.NewUpload(ctx, info)
	if err != nil {
		return nil, noteFailure(ctx, err)
	}
	return noticingUpload{u}, nil
}

func (s noticingStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	u, err := s.tusStore.GetUpload(ctx, id)
	if err != nil {
		return nil, noteFailure(ctx, err)
	}
	return noticingUpload{u}, nil
}

func (s noticingStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	if n, ok := u.(noticingUpload); ok {
		u = n.Upload
	}
	return noticingTermination{s.tusStore.AsTerminatableUpload(u)}
}

// noticingUpload is an upload whose backing failures are noted.
type noticingUpload struct{ handler.Upload }

func (u noticingUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	n, err := u.Upload.WriteChunk(ctx, offset, src)
	return n, noteFailure(ctx, err)
}

func (u noticingUpload) GetInfo(ctx context.Context) (handler.FileInfo, error) {
	info, err := u.Upload.GetInfo(ctx)
	return info, noteFailure(ctx, err)
}

func (u noticingUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	r, err := u.Upload.GetReader(ctx)
	return r, noteFailure(ctx, err)
}

func (u noticingUpload) FinishUpload(ctx context.Context) error {
	return noteFailure(ctx, u.Upload.FinishUpload(ctx))
}

type noticingTermination struct{ handler.TerminatableUpload }

func (t noticingTermination) Terminate(ctx context.Context) error {
	return noteFailure(ctx, t.TerminatableUpload.Terminate(ctx))
}

// failOver passes tusd's answer through, except a 500 after the store
// noted a backing failure: that one is answered by the request's fail,
// and what tusd writes after it is dropped.
type failOver struct {
	http.ResponseWriter
	r       *http.Request
	req     *request
	dropped bool
	written bool
}

func (f *failOver) WriteHeader(code int) {
	if f.written || f.dropped {
		return
	}
	if err := f.req.failure.get(); code == http.StatusInternalServerError && err != nil {
		f.dropped = true
		h := f.Header()
		for _, k := range []string{"Content-Length", "Content-Type"} {
			h.Del(k)
		}
		f.req.fail(f.ResponseWriter, f.r, err)
		return
	}
	f.written = true
	f.ResponseWriter.WriteHeader(code)
}

func (f *failOver) Write(p []byte) (int, error) {
	if !f.written && !f.dropped {
		f.WriteHeader(http.StatusOK)
	}
	if f.dropped {
		return len(p), nil
	}
	return f.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController (tusd's read deadlines) reach the
// real writer.
func (f *failOver) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// noticingS3 is the S3 client of tusd's s3store with its failures noted
// on the request: s3store formats some of them into text (creating an
// upload's multipart upload and its info file), which loses the error
// that tells a store that is down.
type noticingS3 struct{ s3store.S3API }

func (c noticingS3) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opt ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := c.S3API.CreateMultipartUpload(ctx, in, opt...)
	return out, noteFailure(ctx, err)
}

func (c noticingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opt ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := c.S3API.PutObject(ctx, in, opt...)
	return out, noteFailure(ctx, err)
}
