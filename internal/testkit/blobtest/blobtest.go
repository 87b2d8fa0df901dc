// Package blobtest gives tests object storage reached through the same
// URL-driven code as production: an S3-compatible server on loopback,
// spoken to with the real S3 API.
package blobtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 starts an in-process S3-compatible server holding one empty bucket
// and returns the s3:// URL that reaches it. Objects live in memory, so
// keep them small; the server stops when the test ends.
func S3(t testing.TB) string {
	t.Helper()
	return newS3(t) + "&anonymous=true"
}

// Credentials are what SignedS3 buckets are reached with; set them in the
// environment once, in TestMain, since the S3 driver reads them from there.
// twelve-factor:ignore TF3-SECRET-LITERAL made-up keys of the in-process S3 server that tests start
var Credentials = map[string]string{"AWS_ACCESS_KEY_ID": "ferry-test", "AWS_SECRET_ACCESS_KEY": "ferry-test-secret"}

// SignedS3 is S3 reached with the static Credentials, for code that signs
// URLs (anonymous credentials cannot).
func SignedS3(t testing.TB) string {
	t.Helper()
	if os.Getenv("AWS_ACCESS_KEY_ID") != Credentials["AWS_ACCESS_KEY_ID"] {
		t.Fatal("blobtest.SignedS3 needs blobtest.Credentials in the environment (set them in TestMain)")
	}
	return newS3(t)
}

// S3With is S3 with wrap around the server, so a test can slow or fail
// requests the way a real store sometimes does.
func S3With(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	return newS3Server(t, wrap) + "&anonymous=true"
}

// SignedS3With is SignedS3 with wrap around the server, for code that
// signs URLs (tus's S3 store) under a store that fails on purpose.
func SignedS3With(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	if os.Getenv("AWS_ACCESS_KEY_ID") != Credentials["AWS_ACCESS_KEY_ID"] {
		t.Fatal("blobtest.SignedS3With needs blobtest.Credentials in the environment (set them in TestMain)")
	}
	return newS3Server(t, wrap)
}

func newS3(t testing.TB) string { return newS3Server(t, nil) }

func newS3Server(t testing.TB, wrap func(http.Handler) http.Handler) string {
	backend := s3mem.New()
	h := gofakes3.New(backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bucket := "ferry-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(bucket) > 63 {
		bucket = bucket[:63]
	}
	bucket = strings.Trim(bucket, "-")
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	// gofakes3 does not keep the SDK's flexible checksums; like some other
	// S3-compatible servers it needs them asked for only when required.
	return URL(srv.URL, bucket) + "&request_checksum_calculation=when_required&response_checksum_validation=when_required"
}

// URL is the s3:// URL of bucket on an S3-compatible server at endpoint.
func URL(endpoint, bucket string) string {
	return fmt.Sprintf("s3://%s?endpoint=%s&use_path_style=true&disable_https=true&region=us-east-1", bucket, endpoint)
}
