package web

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // tus's checksum extension names sha1
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/health"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/metrics"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/server"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/units"
)

// newTusStack is newStack with the tus endpoint mounted, over the
// in-process S3 server.
func newTusStack(t *testing.T, tweak func(*Settings)) *stack {
	t.Helper()
	return newTusStackOn(t, blobtest.SignedS3(t), tweak)
}

// newTusStackOn is newTusStack over the bucket at blobURL.
func newTusStackOn(t *testing.T, blobURL string, tweak func(*Settings)) *stack {
	t.Helper()
	return newTusStackWrapped(t, blobURL, nil, tweak)
}

// newTusStackWrapped is newTusStackOn whose handler wrap wraps (nil:
// none): a browser test slows the chunks down with it.
func newTusStackWrapped(t *testing.T, blobURL string, wrap func(http.Handler) http.Handler, tweak func(*Settings)) *stack {
	t.Helper()
	return newTusStackRedis(t, blobURL, wrap, tweak, nil)
}

// newTusStackRedis is newTusStackWrapped whose Redis options redisOpts
// changes (nil: none): a test routes Redis through a proxy it can cut.
func newTusStackRedis(t *testing.T, blobURL string, wrap func(http.Handler) http.Handler, tweak func(*Settings), redisOpts func(*redis.Options)) *stack {
	t.Helper()
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: blobURL})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := redis.ParseURL(dbtest.RedisURL(t))
	if redisOpts != nil {
		redisOpts(opts)
	}
	svc.DB, svc.Redis = dbtest.Pool(t), redis.NewClient(opts)
	t.Cleanup(func() { _ = svc.Redis.Close(); _ = svc.Bucket.Close() })
	settings := Settings{
		MaxUploadSize: 1 << 20, Shares: share.Limits{DefaultExpiresIn: units.Day, MaxExpiresIn: 7 * units.Day},
		DownloadMode: "proxy", RedisPrefix: dbtest.RedisPrefix(t),
	}
	if tweak != nil {
		tweak(&settings)
	}
	log := logging.New(suite.Log(), slog.LevelDebug, "web")
	uses := services(svc, log, settings)
	up, err := resumable.New(resumable.Config{
		DB: svc.DB, Redis: svc.Redis, RedisPrefix: settings.RedisPrefix, Sharing: uses, BlobURL: blobURL,
		Expiry: units.Day, TempDir: t.TempDir(), Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Deps{
		Log: log, Ready: health.NewReadiness(), Registry: metrics.NewRegistry(), InFlight: &server.InFlight{},
		Sharing: uses, Uploads: up, Accounts: &account.Service{DB: svc.DB, Params: fastHash},
		Redis: svc.Redis, Settings: settings,
	})
	h := srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	st := &stack{url: ts.URL, services: svc}
	st.userID, st.token = st.newUser(t, "owner@example.com")
	return st
}

// tus makes one tus request and returns its status and headers.
func (st *stack) tus(t *testing.T, method, path, token string, body []byte, headers ...string) *http.Response {
	t.Helper()
	h := append([]string{"Tus-Resumable", "1.0.0"}, headers...)
	if body != nil {
		h = append(h, "Content-Type", "application/offset+octet-stream")
	}
	res, _ := st.call(t, method, path, token, bytes.NewReader(body), h...)
	return res
}

func tusMeta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create starts an upload of length bytes and returns its path.
func (st *stack) create(t *testing.T, length int, headers ...string) string {
	t.Helper()
	h := append([]string{"Upload-Length", strconv.Itoa(length), "Upload-Metadata", tusMeta("filename", "notes.txt", "expires_in", "2d")}, headers...)
	res := st.tus(t, "POST", "/api/v1/uploads", st.token, nil, h...)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, resumable.BasePath) || res.Header.Get("Upload-Expires") == "" {
		t.Fatalf("create: Location %q, Upload-Expires %q", loc, res.Header.Get("Upload-Expires"))
	}
	return loc
}

func TestTusUploadBecomesFile(t *testing.T) {
	st := newTusStack(t, nil)
	content := bytes.Repeat([]byte("resumable "), 3000)
	loc := st.create(t, len(content), "Ferry-Share-Password", "open sesame")
	half := len(content) / 2
	steps := []struct {
		name    string
		method  string
		offset  int
		body    []byte
		want    int
		wantOff string
	}{
		{"first half", "PATCH", 0, content[:half], 204, strconv.Itoa(half)},
		{"wrong offset", "PATCH", 10, content[10:20], 409, ""},
		{"resume point", "HEAD", -1, nil, 200, strconv.Itoa(half)},
		{"too long a chunk", "PATCH", half, append(content[half:], 'x'), 413, ""},
		{"rest", "PATCH", half, content[half:], 204, strconv.Itoa(len(content))},
		{"finished: head", "HEAD", -1, nil, 200, strconv.Itoa(len(content))},
		{"finished: more bytes", "PATCH", len(content), []byte("more"), 413, ""},
		{"finished: empty retry", "PATCH", len(content), []byte{}, 204, strconv.Itoa(len(content))},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var h []string
			if s.offset >= 0 {
				h = []string{"Upload-Offset", strconv.Itoa(s.offset)}
			}
			res := st.tus(t, s.method, loc, st.token, s.body, h...)
			if res.StatusCode != s.want {
				t.Fatalf("%s: %d, want %d", s.name, res.StatusCode, s.want)
			}
			if s.wantOff != "" && res.Header.Get("Upload-Offset") != s.wantOff {
				t.Errorf("%s: Upload-Offset %q, want %s", s.name, res.Header.Get("Upload-Offset"), s.wantOff)
			}
		})
	}
	res, out := st.call(t, "GET", loc, st.token, nil, "Accept", "application/json")
	if res.StatusCode != 200 || out["file"] == nil {
		t.Fatalf("status: %d %v", res.StatusCode, out["_raw"])
	}
	f := out["file"].(map[string]any)
	sum := sha256.Sum256(content)
	if f["sha256"] != hex.EncodeToString(sum[:]) || f["name"] != "notes.txt" || f["size"] != float64(len(content)) {
		t.Errorf("file: %v", f)
	}
	sh := shareOf(f)
	if sh["has_password"] != true {
		t.Errorf("share has no password: %v", sh)
	}
	dl, body := st.call(t, "GET", pathOf(t, sh["download_url"].(string)), "", nil, "Ferry-Share-Password", "open sesame")
	if dl.StatusCode != 200 || body["_raw"] != string(content) {
		t.Errorf("download: %d, %d bytes", dl.StatusCode, len(body["_raw"].(string)))
	}
	// tusd's .info and .part are gone; only the file's object remains.
	if n := st.objectCount(t); n != 1 {
		t.Errorf("objects after the upload: %d, want 1", n)
	}
}

func TestTusRefusals(t *testing.T) {
	st := newTusStack(t, nil)
	_, other := st.newUser(t, "other@example.com")
	meta := tusMeta("filename", "a.bin")
	tests := []struct {
		name    string
		headers []string
		token   string
		want    int
	}{
		{"over the size limit", []string{"Upload-Length", strconv.Itoa(2 << 20), "Upload-Metadata", meta}, st.token, 413},
		{"deferred length", []string{"Upload-Defer-Length", "1", "Upload-Metadata", meta}, st.token, 413},
		{"no name", []string{"Upload-Length", "10"}, st.token, 400},
		{"bad expiry", []string{"Upload-Length", "10", "Upload-Metadata", tusMeta("filename", "a", "expires_in", "99d")}, st.token, 400},
		{"no account", []string{"Upload-Length", "10", "Upload-Metadata", meta}, "", 401},
		{"wrong protocol version", []string{"Upload-Length", "10", "Upload-Metadata", meta, "Tus-Resumable", "0.2.2"}, st.token, 412},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := st.tus(t, "POST", "/api/v1/uploads", tt.token, nil, tt.headers...)
			if res.StatusCode != tt.want {
				t.Errorf("%d, want %d", res.StatusCode, tt.want)
			}
		})
	}
	t.Run("over quota", func(t *testing.T) {
		if _, err := st.services.DB.Exec(context.Background(), `UPDATE users SET quota_bytes = 100 WHERE id = $1`, st.userID); err != nil {
			t.Fatal(err)
		}
		defer st.services.DB.Exec(context.Background(), `UPDATE users SET quota_bytes = NULL WHERE id = $1`, st.userID)
		res := st.tus(t, "POST", "/api/v1/uploads", st.token, []byte("x"), "Upload-Length", "101", "Upload-Metadata", meta)
		if res.StatusCode != 413 {
			t.Errorf("%d, want 413", res.StatusCode)
		}
	})
	loc := st.create(t, 10)
	t.Run("another user's upload", func(t *testing.T) {
		for _, m := range []string{"HEAD", "PATCH", "DELETE", "GET"} {
			if res := st.tus(t, m, loc, other, nil, "Upload-Offset", "0"); res.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", m, res.StatusCode)
			}
		}
	})
	t.Run("unknown upload", func(t *testing.T) {
		if res := st.tus(t, "HEAD", resumable.BasePath+"0123456789abcdef0123456789abcdef+nope", st.token, nil); res.StatusCode != 404 {
			t.Errorf("%d, want 404", res.StatusCode)
		}
	})
	t.Run("wrong content type", func(t *testing.T) {
		if res := st.tus(t, "PATCH", loc, st.token, nil, "Upload-Offset", "0", "Content-Type", "text/plain"); res.StatusCode != 415 {
			t.Errorf("%d, want 415", res.StatusCode)
		}
	})
	t.Run("terminated", func(t *testing.T) {
		gone := st.create(t, 10)
		if res := st.tus(t, "PATCH", gone, st.token, []byte("12345"), "Upload-Offset", "0"); res.StatusCode != 204 {
			t.Fatalf("patch: %d", res.StatusCode)
		}
		if res := st.tus(t, "DELETE", gone, st.token, nil); res.StatusCode != 204 {
			t.Fatalf("delete: %d", res.StatusCode)
		}
		if res := st.tus(t, "HEAD", gone, st.token, nil); res.StatusCode != 404 {
			t.Errorf("after delete: %d, want 404", res.StatusCode)
		}
		if n := st.rowCount(t, "uploads WHERE finished_at IS NULL"); n != 1 { // the 10-byte upload made above stays
			t.Errorf("%d unfinished upload rows after the termination, want 1", n)
		}
	})
	t.Run("expired", func(t *testing.T) {
		old := st.create(t, 10)
		if _, err := st.services.DB.Exec(context.Background(), `UPDATE uploads SET expires_at = now() - interval '1 second'`); err != nil {
			t.Fatal(err)
		}
		if res := st.tus(t, "PATCH", old, st.token, []byte("12345"), "Upload-Offset", "0"); res.StatusCode != 410 {
			t.Errorf("%d, want 410", res.StatusCode)
		}
	})
}

// TestTusChecksum: on both tus stores, a chunk whose Upload-Checksum does
// not match is refused with 460 and none of it is kept (the offset stays),
// a matching one (sha1 or sha256) is kept, a bad header is 400, and
// OPTIONS advertises the extension.
func TestTusChecksum(t *testing.T) {
	stores := map[string]func(testing.TB) string{
		"s3":   blobtest.SignedS3,
		"file": func(t testing.TB) string { return "file://" + t.TempDir() },
	}
	for name, blobURL := range stores {
		t.Run(name, func(t *testing.T) {
			st := newTusStackOn(t, blobURL(t), nil)
			res := st.tus(t, "OPTIONS", "/api/v1/uploads", st.token, nil)
			if !strings.Contains(res.Header.Get("Tus-Extension"), "checksum") || res.Header.Get("Tus-Checksum-Algorithm") != "sha1,sha256" {
				t.Errorf("OPTIONS: Tus-Extension %q, Tus-Checksum-Algorithm %q", res.Header.Get("Tus-Extension"), res.Header.Get("Tus-Checksum-Algorithm"))
			}
			content := append(bytes.Repeat([]byte("verified "), 2000), bytes.Repeat([]byte("2nd half "), 2000)...)
			half := len(content) / 2
			s1 := sha1.Sum(content[:half])
			s256 := sha256.Sum256(content[half:])
			wrong := sha256.Sum256([]byte("something else"))
			b64 := base64.StdEncoding.EncodeToString
			loc := st.create(t, len(content))
			steps := []struct {
				name     string
				offset   int
				body     []byte
				checksum string
				want     int
				wantOff  string
			}{
				{"mismatch", 0, content[:half], "sha256 " + b64(wrong[:]), 460, "0"},
				{"unknown algorithm", 0, content[:half], "md5 " + b64(s1[:16]), 400, "0"},
				{"malformed digest", 0, content[:half], "sha1 %%%", 400, "0"},
				{"sha1 match", 0, content[:half], "sha1 " + b64(s1[:]), 204, strconv.Itoa(half)},
				{"mismatch after a kept chunk", half, content[half:], "sha1 " + b64(s1[:]), 460, strconv.Itoa(half)},
				{"sha256 match", half, content[half:], "sha256 " + b64(s256[:]), 204, strconv.Itoa(len(content))},
			}
			for _, s := range steps {
				res := st.tus(t, "PATCH", loc, st.token, s.body, "Upload-Offset", strconv.Itoa(s.offset), "Upload-Checksum", s.checksum)
				if res.StatusCode != s.want {
					t.Fatalf("%s: %d, want %d", s.name, res.StatusCode, s.want)
				}
				if head := st.tus(t, "HEAD", loc, st.token, nil); head.Header.Get("Upload-Offset") != s.wantOff {
					t.Errorf("%s: offset %q after, want %s", s.name, head.Header.Get("Upload-Offset"), s.wantOff)
				}
			}
			res, out := st.call(t, "GET", loc, st.token, nil, "Accept", "application/json")
			whole := sha256.Sum256(content)
			if res.StatusCode != 200 || out["file"] == nil || out["file"].(map[string]any)["sha256"] != hex.EncodeToString(whole[:]) {
				t.Errorf("status: %d %v", res.StatusCode, out["_raw"])
			}
		})
	}
}

// TestTusBatchOneShare: uploads with the same batch id in their metadata
// end under one link, even when their last chunks arrive at once; later
// uploads of the batch take the first one's share options; another
// user's uploads with the same id get a link of their own; a malformed
// id is refused up front.
func TestTusBatchOneShare(t *testing.T) {
	st := newTusStack(t, nil)
	const batch = "b4tch-0123456789_abcdef"
	start := func(token, name string, body []byte, extra ...string) string {
		t.Helper()
		meta := tusMeta(append([]string{"filename", name, "batch", batch}, extra...)...)
		res := st.tus(t, "POST", "/api/v1/uploads", token, nil, "Upload-Length", strconv.Itoa(len(body)), "Upload-Metadata", meta)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d", name, res.StatusCode)
		}
		loc := res.Header.Get("Location")
		if res := st.tus(t, "PATCH", loc, token, body[:len(body)/2], "Upload-Offset", "0"); res.StatusCode != 204 {
			t.Fatalf("first half of %s: %d", name, res.StatusCode)
		}
		return loc
	}
	bodies := map[string][]byte{"one.txt": bytes.Repeat([]byte("first file "), 900), "two.bin": bytes.Repeat([]byte{7, 8, 9}, 4000)}
	locs := map[string]string{
		"one.txt": start(st.token, "one.txt", bodies["one.txt"], "max_downloads", "3"),
		"two.bin": start(st.token, "two.bin", bodies["two.bin"], "max_downloads", "9"),
	}
	// Both last chunks at once: the commits race for the batch's share.
	var wg sync.WaitGroup
	for name, loc := range locs {
		b := bodies[name]
		wg.Go(func() {
			if res := st.tus(t, "PATCH", loc, st.token, b[len(b)/2:], "Upload-Offset", strconv.Itoa(len(b)/2)); res.StatusCode != 204 {
				t.Errorf("last half of %s: %d", name, res.StatusCode)
			}
		})
	}
	wg.Wait()
	links := map[string]bool{}
	for name, loc := range locs {
		res, out := st.call(t, "GET", loc, st.token, nil, "Accept", "application/json")
		if res.StatusCode != 200 || out["file"] == nil {
			t.Fatalf("status of %s: %d %v", name, res.StatusCode, out["_raw"])
		}
		sh := shareOf(out["file"].(map[string]any))
		links[sh["url"].(string)] = true
		if sh["max_downloads"] != float64(3) {
			t.Errorf("%s: max_downloads %v, want the first upload's 3", name, sh["max_downloads"])
		}
	}
	if len(links) != 1 || st.rowCount(t, "shares") != 1 {
		t.Fatalf("two uploads of one batch made links %v (%d shares)", links, st.rowCount(t, "shares"))
	}
	for link := range links {
		res, page := st.call(t, "GET", pathOf(t, link), "", nil, "Accept", "application/json")
		got := page["files"].([]any)
		if res.StatusCode != 200 || len(got) != 2 {
			t.Fatalf("the link: %d, %d files", res.StatusCode, len(got))
		}
		for _, f := range got {
			f := f.(map[string]any)
			dl, body := st.call(t, "GET", pathOf(t, f["download_url"].(string)), "", nil)
			if dl.StatusCode != 200 || body["_raw"] != string(bodies[f["name"].(string)]) {
				t.Errorf("download of %v: %d", f["name"], dl.StatusCode)
			}
		}
	}

	_, other := st.newUser(t, "other@example.com")
	theirs := []byte("someone else's file")
	loc := start(other, "theirs.txt", theirs)
	if res := st.tus(t, "PATCH", loc, other, theirs[len(theirs)/2:], "Upload-Offset", strconv.Itoa(len(theirs)/2)); res.StatusCode != 204 {
		t.Fatalf("other user's last half: %d", res.StatusCode)
	}
	_, out := st.call(t, "GET", loc, other, nil, "Accept", "application/json")
	if link := shareOf(out["file"].(map[string]any))["url"].(string); links[link] {
		t.Errorf("another user's upload with the same batch id joined the owner's link")
	}

	for _, bad := range []string{"short", "has space 0123456789", strings.Repeat("x", 65)} {
		res := st.tus(t, "POST", "/api/v1/uploads", st.token, nil, "Upload-Length", "3", "Upload-Metadata", tusMeta("filename", "a", "batch", bad))
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("batch %q: %d, want 400", bad, res.StatusCode)
		}
	}
}
