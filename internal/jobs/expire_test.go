package jobs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestReaperEndsExpiredUploads: the Reaper the worker builds from the
// database and the bucket alone (no tusd handler, no Redis) ends an
// expired partial upload on S3 (its S3 multipart upload, its .info and
// .part, its row) and leaves a live one as it was.
func TestReaperEndsExpiredUploads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	blobURL := blobtest.S3(t)
	svc, err := backing.Open(ctx, backing.URLs{Blob: blobURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Bucket.Close() })
	db := dbtest.Pool(t)
	opts, _ := redis.ParseURL(dbtest.RedisURL(t))
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	log := slog.New(slog.DiscardHandler)
	uses := &sharing.Service{DB: db, Store: svc.Store(), Log: log, Settings: sharing.Settings{
		MaxUploadSize: 32 << 20, Shares: share.Limits{DefaultExpiresIn: 24 * time.Hour, MaxExpiresIn: 48 * time.Hour},
	}}
	up, err := resumable.New(resumable.Config{
		DB: db, Redis: rdb, RedisPrefix: dbtest.RedisPrefix(t), Sharing: uses, BlobURL: blobURL,
		Expiry: time.Hour, TempDir: t.TempDir(), PartSize: 5 << 20, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := account.CreateUserWithParams(ctx, db, "owner@example.com", "a long password",
		account.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	fail := func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/uploads", func(w http.ResponseWriter, r *http.Request) { up.Create(w, r, owner, fail) })
	mux.HandleFunc("/api/v1/uploads/{id}", func(w http.ResponseWriter, r *http.Request) { up.Serve(w, r, owner, fail) })
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	// Each upload gets one whole S3 part and a few bytes more, which
	// s3store keeps as a .part object: every kind of state it leaves.
	sent := 5<<20 + 100
	partial := func(name string) string {
		meta := "filename " + base64.StdEncoding.EncodeToString([]byte(name))
		res := tusDo(t, "POST", ts.URL+"/api/v1/uploads", nil, "Upload-Length", strconv.Itoa(8<<20), "Upload-Metadata", meta)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d", name, res.StatusCode)
		}
		loc := res.Header.Get("Location")
		res = tusDo(t, "PATCH", ts.URL+loc, bytes.Repeat([]byte("x"), sent), "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("patch %s: %d", name, res.StatusCode)
		}
		return loc
	}
	expired, liveLoc := objectIDOf(partial("expired.bin")), partial("live.bin")
	live := objectIDOf(liveLoc)
	if _, err := db.Exec(ctx, `UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1`, expired); err != nil {
		t.Fatal(err)
	}
	before := state(t, svc, db)
	for _, want := range []string{"uploads/" + expired + ".info", "uploads/" + expired + ".part", "multipart files/" + expired, "row " + expired} {
		if !slices.Contains(before, want) {
			t.Fatalf("before reaping, %q is missing from %q", want, before)
		}
	}

	reaper, err := resumable.NewReaper(db, svc.Store(), blobURL)
	if err != nil {
		t.Fatal(err)
	}
	n, err := reaper.Reap(ctx, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("Reap: %d, %v; want 1 ended", n, err)
	}
	after := state(t, svc, db)
	var want []string
	for _, s := range before {
		if !strings.Contains(s, expired) {
			want = append(want, s)
		}
	}
	if !slices.Equal(after, want) {
		t.Errorf("after reaping: %q\nwant (the live upload's state only): %q", after, want)
	}
	for _, s := range after {
		if strings.Contains(s, expired) {
			t.Errorf("expired upload left %q", s)
		}
	}
	if !slices.Contains(after, "row "+live) || !slices.Contains(after, "multipart files/"+live) {
		t.Errorf("live upload lost state: %q", after)
	}
	if res := tusDo(t, "HEAD", ts.URL+liveLoc, nil); res.StatusCode != http.StatusOK || res.Header.Get("Upload-Offset") != strconv.Itoa(sent) {
		t.Errorf("live upload HEAD after reaping: %d, offset %q", res.StatusCode, res.Header.Get("Upload-Offset"))
	}
	// The orphan sweep asks before it aborts a multipart upload.
	for key, want := range map[string]bool{"files/" + live: true, "files/" + expired: false, "thumbs/" + live: false} {
		if got, err := reaper.InProgress(ctx, key); got != want || err != nil {
			t.Errorf("InProgress(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	if n, err := reaper.Reap(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("second Reap: %d, %v; want nothing to do", n, err)
	}
}

// objectIDOf is the object id in an upload's Location: s3store's tus id
// is the object id, "+", and its S3 multipart upload id.
func objectIDOf(loc string) string {
	id := strings.TrimPrefix(loc, resumable.BasePath)
	if i := strings.LastIndex(id, "+"); i >= 0 {
		return id[:i]
	}
	return id
}

// state is every object key, every S3 multipart upload and every uploads
// row, sorted: the whole of what an upload can leave behind.
func state(t *testing.T, svc *backing.Services, db *pgxpool.Pool) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	it := svc.Bucket.List(&blob.ListOptions{})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, obj.Key)
	}
	mu, err := svc.Direct.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(svc.Direct.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range mu.Uploads {
		out = append(out, "multipart "+aws.ToString(u.Key))
	}
	rows, err := db.Query(ctx, `SELECT id FROM uploads`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		out = append(out, "row "+id)
	}
	slices.Sort(out)
	return out
}

// tusDo makes one tus request with header pairs and returns its response.
func tusDo(t *testing.T, method, url string, body []byte, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res
}
