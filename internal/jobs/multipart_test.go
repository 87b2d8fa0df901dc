package jobs

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// clock is the S3 server's time, which the test moves; gofakes3's own
// fixed clock is not safe to move while the server runs.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time                  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c *clock) set(t time.Time)                 { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// s3WithClock is an in-process S3 server whose uploads are dated by clk,
// opened the way the worker opens BLOB_URL.
func s3WithClock(t *testing.T, clk *clock) *backing.Services {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithTimeSource(clk), gofakes3.WithTimeSkewLimit(0)).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("ferry"); err != nil {
		t.Fatal(err)
	}
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: blobtest.URL(srv.URL, "ferry") +
		"&anonymous=true&request_checksum_calculation=when_required&response_checksum_validation=when_required"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// TestSweepAbortsStaleMultipartUploads: the orphan sweep aborts multipart
// uploads under files/ that began before the grace and have received no
// part since, and leaves alone an old upload whose parts still come, a
// recent one, and uploads outside Ferry's prefix.
func TestSweepAbortsStaleMultipartUploads(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	clk := &clock{t: now}
	svc := s3WithClock(t, clk)
	tests := []struct {
		key     string
		began   time.Time
		partAt  time.Time // zero: no part
		aborted bool
	}{
		{storage.KeyPrefix + "abandoned", now.Add(-2 * time.Hour), time.Time{}, true},
		{storage.KeyPrefix + "abandoned-after-a-part", now.Add(-3 * time.Hour), now.Add(-2 * time.Hour), true},
		{storage.KeyPrefix + "slow-but-alive", now.Add(-2 * time.Hour), now.Add(-time.Minute), false},
		{storage.KeyPrefix + "recent", now.Add(-time.Minute), time.Time{}, false},
		{storage.KeyPrefix + "pending-commit", now.Add(-2 * time.Hour), time.Time{}, false}, // its upload waits for its row

		{"elsewhere/abandoned", now.Add(-2 * time.Hour), time.Time{}, false},
		// A tus upload may pause for as long as UPLOAD_EXPIRY: the
		// expire_uploads job ends it, not the sweep.
		{storage.KeyPrefix + "resumable-paused", now.Add(-3 * time.Hour), now.Add(-2 * time.Hour), false},
	}
	ctx := context.Background()
	c := svc.Direct.Client
	for _, tt := range tests {
		clk.set(tt.began)
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ferry"), Key: aws.String(tt.key)})
		if err != nil {
			t.Fatalf("create %s: %v", tt.key, err)
		}
		if !tt.partAt.IsZero() {
			clk.set(tt.partAt)
			_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("ferry"), Key: aws.String(tt.key), UploadId: up.UploadId,
				PartNumber: aws.Int32(1), Body: strings.NewReader("part"), ContentLength: aws.Int64(4)})
			if err != nil {
				t.Fatalf("upload a part of %s: %v", tt.key, err)
			}
		}
	}
	clk.set(now)

	db := dbtest.Pool(t)
	if err := files.Expect(ctx, db, storage.KeyPrefix+"pending-commit"); err != nil {
		t.Fatal(err)
	}
	// A resumable upload paused for hours, still within its expiry.
	if _, err := db.Exec(ctx, `
		WITH u AS (INSERT INTO users (email, password_hash) VALUES ('paused@example.com', 'x') RETURNING id)
		INSERT INTO uploads (id, owner_id, name, length, expires_in, expires_at)
		SELECT 'resumable-paused', u.id, 'big.bin', 1000, 3600, now() + interval '20 hours' FROM u`); err != nil {
		t.Fatal(err)
	}
	d := &Deps{DB: db, Bucket: svc.Bucket, Direct: svc.Direct, Log: slog.New(slog.DiscardHandler), Settings: Settings{OrphanGrace: time.Hour}}
	work(t, d, &sweepWorker{d: d}, SweepArgs{})

	left, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("ferry")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range left.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if kept := slices.Contains(keys, tt.key); kept == tt.aborted {
				t.Errorf("kept %v, want aborted %v (uploads left: %v)", kept, tt.aborted, keys)
			}
		})
	}
}

// TestAbortStaleUploadsWithoutS3: stores other than S3 have no multipart
// uploads to abort.
func TestAbortStaleUploadsWithoutS3(t *testing.T) {
	t.Parallel()
	if n, err := abortStaleUploads(context.Background(), nil, time.Now(), nil); n != 0 || err != nil {
		t.Errorf("without an S3 client: %d, %v", n, err)
	}
}
