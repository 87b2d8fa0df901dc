package jobs

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/backing"
)

// upload stores content as an upload does: the object under files/, then
// the row with its size, SHA-256 and content type. It returns the file id
// and the object's key.
func upload(t *testing.T, d *Deps, content []byte, contentType string) (string, string) {
	t.Helper()
	ctx := context.Background()
	key := "files/" + rand.Text()
	if err := d.Bucket.WriteAll(ctx, key, content, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	var id string
	err := d.DB.QueryRow(ctx, `INSERT INTO files (name, size, sha256, content_type, blob_key)
		VALUES ('upload', $1, $2, $3, $4) RETURNING id`, len(content), sum[:], contentType, key).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id, key
}

// process runs process_file on file id through River, then the
// thumbnail job it queued, if it queued one.
func process(t *testing.T, d *Deps, id string) {
	t.Helper()
	work(t, d, &processWorker{d: d}, ProcessFileArgs{FileID: id})
	var queued bool
	err := d.DB.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM river_job
		WHERE kind = 'thumbnail' AND queue = $1 AND args->>'file_id' = $2)`, QueueThumbnails, id).Scan(&queued)
	if err != nil {
		t.Fatal(err)
	}
	if !queued {
		return
	}
	job := &river.Job[ThumbnailArgs]{Args: ThumbnailArgs{FileID: id}}
	if err := (&thumbnailWorker{d: d}).Work(context.Background(), job); err != nil {
		t.Fatalf("thumbnail %s: %v", id, err)
	}
}

// fileState is what processing changes on a row.
type fileState struct {
	Status     string
	VerifiedAt *time.Time
	ThumbKey   *string
}

func stateOf(t *testing.T, d *Deps, id string) fileState {
	t.Helper()
	var s fileState
	err := d.DB.QueryRow(context.Background(), `SELECT status, verified_at, thumbnail_key FROM files WHERE id = $1`, id).
		Scan(&s.Status, &s.VerifiedAt, &s.ThumbKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pngOf encodes a w×h image of one colour.
func pngOf(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProcessImage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		content  []byte
		wantType string
		w, h     int
	}{
		{"opaque", pngOf(t, 1200, 900, color.NRGBA{200, 40, 40, 255}), "image/jpeg", 320, 240},
		{"transparent", pngOf(t, 300, 900, color.NRGBA{200, 40, 40, 90}), "image/png", 106, 320},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := testDeps(t)
			id, _ := upload(t, d, c.content, "image/png")
			process(t, d, id)

			s := stateOf(t, d, id)
			if s.Status != "ready" || s.VerifiedAt == nil || s.ThumbKey == nil || *s.ThumbKey != ThumbnailPrefix+id {
				t.Fatalf("row after processing: %+v", s)
			}
			ctx := context.Background()
			attrs, err := d.Bucket.Attributes(ctx, *s.ThumbKey)
			if err != nil {
				t.Fatal(err)
			}
			thumb, err := d.Bucket.ReadAll(ctx, *s.ThumbKey)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb))
			if err != nil {
				t.Fatalf("thumbnail does not decode: %v", err)
			}
			if attrs.ContentType != c.wantType || cfg.Width != c.w || cfg.Height != c.h {
				t.Errorf("thumbnail is %s %dx%d, want %s %dx%d", attrs.ContentType, cfg.Width, cfg.Height, c.wantType, c.w, c.h)
			}
		})
	}
}

func TestProcessNoThumbnail(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		content     []byte
		contentType string
		maxSource   int64
	}{
		"text":                {[]byte("hello\n"), "text/plain; charset=utf-8", 50 << 20},
		"undecodable image":   {[]byte("\x89PNG\r\n\x1a\n but nothing after"), "image/png", 50 << 20},
		"image over the size": {pngOf(t, 64, 64, color.NRGBA{A: 255}), "image/png", 10},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := testDeps(t)
			d.Settings.ThumbnailMaxSource = c.maxSource
			id, _ := upload(t, d, c.content, c.contentType)
			process(t, d, id)
			if s := stateOf(t, d, id); s.Status != "ready" || s.VerifiedAt == nil || s.ThumbKey != nil {
				t.Errorf("row after processing: %+v, want verified without thumbnail", s)
			}
			if ok, _ := d.Bucket.Exists(context.Background(), ThumbnailPrefix+id); ok {
				t.Errorf("a thumbnail object was written")
			}
		})
	}
}

func TestProcessDamaged(t *testing.T) {
	t.Parallel()
	content := pngOf(t, 40, 40, color.NRGBA{A: 255})
	cases := map[string]struct {
		stored     []byte // nil: the object is deleted
		actualSize float64
	}{
		"same size, other bytes": {bytes.Repeat([]byte{'x'}, len(content)), float64(len(content))},
		"truncated":              {content[:10], 10},
		"object missing":         {nil, -1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := testDeps(t)
			var logs bytes.Buffer
			d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			id, key := upload(t, d, content, "image/png")
			ctx := context.Background()
			var err error
			if c.stored == nil {
				err = d.Bucket.Delete(ctx, key)
			} else {
				err = d.Bucket.WriteAll(ctx, key, c.stored, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			process(t, d, id)
			process(t, d, id) // a damaged file is left alone, and logged once

			if s := stateOf(t, d, id); s.Status != "damaged" || s.VerifiedAt != nil || s.ThumbKey != nil {
				t.Errorf("row after processing: %+v, want damaged", s)
			}
			var rec map[string]any
			if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
				t.Fatalf("want one log line, got %q: %v", logs.String(), err)
			}
			if rec["level"] != "ERROR" || rec["msg"] != "file damaged" || rec["file_id"] != id ||
				rec["expected_size"] != float64(len(content)) || rec["actual_size"] != c.actualSize {
				t.Errorf("log: %v", rec)
			}
		})
	}
}

func TestProcessTwice(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	ctx := context.Background()
	id, _ := upload(t, d, pngOf(t, 640, 480, color.NRGBA{10, 200, 10, 255}), "image/png")
	process(t, d, id)
	first := stateOf(t, d, id)
	thumb, err := d.Bucket.ReadAll(ctx, ThumbnailPrefix+id)
	if err != nil {
		t.Fatal(err)
	}
	process(t, d, id)
	again, err := d.Bucket.ReadAll(ctx, ThumbnailPrefix+id)
	if err != nil {
		t.Fatal(err)
	}
	if second := stateOf(t, d, id); second.Status != first.Status || !second.VerifiedAt.Equal(*first.VerifiedAt) ||
		*second.ThumbKey != *first.ThumbKey || !bytes.Equal(thumb, again) {
		t.Errorf("second run changed the file: %+v then %+v", first, second)
	}
}

func TestProcessDeleted(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	process(t, d, "3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5f") // never existed
	process(t, d, "not-a-uuid")

	// A thumbnail made while its file was being deleted is not kept.
	ctx := context.Background()
	key := ThumbnailPrefix + "3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5f"
	if err := d.Bucket.WriteAll(ctx, key, []byte("thumb"), nil); err != nil {
		t.Fatal(err)
	}
	if err := (&thumbnailWorker{d: d}).attach(ctx, "3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5f", key); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.Bucket.Exists(ctx, key); ok {
		t.Errorf("thumbnail of a deleted file kept")
	}
}

func TestProcessStorageDown(t *testing.T) {
	t.Parallel()
	d := testDeps(t)
	id, _ := upload(t, d, pngOf(t, 64, 64, color.NRGBA{A: 255}), "image/png")
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: "mem://"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Bucket.Close(); err != nil {
		t.Fatal(err)
	}
	d.Bucket = svc.Bucket // every storage call now fails
	job := &river.Job[ProcessFileArgs]{Args: ProcessFileArgs{FileID: id}}
	if err := (&processWorker{d: d}).Work(context.Background(), job); err == nil {
		t.Errorf("Work succeeded with storage down; want an error so River retries")
	}
	if s := stateOf(t, d, id); s.Status != "ready" || s.VerifiedAt != nil {
		t.Errorf("row after a storage failure: %+v, want untouched", s)
	}
}
