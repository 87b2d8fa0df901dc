package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
)

func TestUploadAndDownload(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	content := []byte("<html><script>alert(document.cookie)</script></html>")
	file := st.upload(t, "evil.html", content, "?expires_in=2h")
	if file["name"] != "evil.html" || file["size"] != float64(len(content)) || file["content_type"] != "text/html; charset=utf-8" {
		t.Errorf("file JSON: %v", file)
	}
	dl := pathOf(t, shareOf(file)["download_url"].(string))

	res, err := http.Get(st.url + dl)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("downloaded %q", got)
	}
	for header, want := range map[string]string{
		"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `attachment; filename="evil.html"`, "Accept-Ranges": "bytes",
	} {
		if !strings.Contains(res.Header.Get(header), want) {
			t.Errorf("%s = %q, want %q", header, res.Header.Get(header), want)
		}
	}
	etag := res.Header.Get("ETag")

	res, _ = st.call(t, "GET", dl, "", nil, "Range", "bytes=6-13")
	if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Range") != fmt.Sprintf("bytes 6-13/%d", len(content)) {
		t.Errorf("range: %d %q", res.StatusCode, res.Header.Get("Content-Range"))
	}
	if res, _ = st.call(t, "GET", dl, "", nil, "Range", "bytes=9999-"); res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable range: %d", res.StatusCode)
	}
	if res, _ = st.call(t, "HEAD", dl, "", nil); res.StatusCode != 200 || res.ContentLength != int64(len(content)) {
		t.Errorf("HEAD: %d %d", res.StatusCode, res.ContentLength)
	}
	if res, _ = st.call(t, "GET", dl, "", nil, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}
	if res, _ = st.call(t, "HEAD", "/s/"+shareOf(file)["token"].(string)+"/zip", "", nil); res.StatusCode != 200 {
		t.Errorf("HEAD zip: %d", res.StatusCode)
	}
	_, page := st.call(t, "GET", pathOf(t, shareOf(file)["url"].(string)), "", nil, "Accept", "application/json")
	if page["downloads"] != float64(1) {
		t.Errorf("downloads = %v, want 1: only the full GET counts; HEAD, ranges, a 304, a HEAD of the zip and the page count nothing", page["downloads"])
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	big := bytes.Repeat([]byte("x"), 2<<20)
	tests := []struct {
		name, path, token string
		body              io.Reader
		wantStatus        int
		wantCode          string
	}{
		{"no auth", "/api/v1/files/a.txt", "", strings.NewReader("x"), 401, "unauthorized"},
		{"malformed token", "/api/v1/files/a.txt", "ferry_nope", strings.NewReader("x"), 401, "malformed_token"},
		{"unknown token", "/api/v1/files/a.txt", "ferry_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", strings.NewReader("x"), 401, "invalid_token"},
		{"unknown parameter", "/api/v1/files/a.txt?max_download=3&expire=1d", st.token, strings.NewReader("x"), 400, "unknown_parameter"},
		{"unknown format", "/api/v1/files/a.txt?format=xml", st.token, strings.NewReader("x"), 400, "invalid_field"},
		{"too large up front", "/api/v1/files/a.txt", st.token, bytes.NewReader(big), 413, "too_large"},
		{"too large streamed", "/api/v1/files/a.txt", st.token, io.MultiReader(bytes.NewReader(big)), 413, "too_large"},
		{"bad expiry", "/api/v1/files/a.txt?expires_in=forever", st.token, strings.NewReader("x"), 400, "invalid_field"},
		{"expiry over max", "/api/v1/files/a.txt?expires_in=30d", st.token, strings.NewReader("x"), 400, "invalid_field"},
		{"bad limit", "/api/v1/files/a.txt?max_downloads=0", st.token, strings.NewReader("x"), 400, "invalid_field"},
		{"name only dots", "/api/v1/files/...", st.token, strings.NewReader("x"), 400, "invalid_name"},
	}
	for _, tt := range tests {
		res, out := st.call(t, "PUT", tt.path, tt.token, tt.body)
		e, _ := out["error"].(map[string]any)
		if res.StatusCode != tt.wantStatus || e["code"] != tt.wantCode {
			t.Errorf("%s: %d %v, want %d %s", tt.name, res.StatusCode, out["_raw"], tt.wantStatus, tt.wantCode)
		}
	}
	if n := st.rowCount(t, "files"); n != 0 {
		t.Errorf("%d file rows after refused uploads", n)
	}
	if n := st.objectCount(t); n != 0 {
		t.Errorf("%d objects after refused uploads", n)
	}
	res, out := st.call(t, "PATCH", "/api/v1/files/x", st.token, nil)
	if res.StatusCode != 405 || !strings.Contains(res.Header.Get("Allow"), "DELETE") || out["error"] == nil {
		t.Errorf("wrong method: %d Allow %q %v", res.StatusCode, res.Header.Get("Allow"), out["_raw"])
	}
}

// TestHungUpUpload: a client that sends half a body and disconnects leaves
// no row and no object.
func TestHungUpUpload(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(st.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /api/v1/files/half.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 500000\r\n\r\n", st.token)
	_, _ = conn.Write(bytes.Repeat([]byte("y"), 100000))
	time.Sleep(100 * time.Millisecond) // let the server start storing
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for st.objectCount(t) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n, m := st.rowCount(t, "files"), st.objectCount(t); n != 0 || m != 0 {
		t.Errorf("after a hung-up upload: %d rows, %d objects", n, m)
	}
}

func TestOwnership(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "mine.txt", []byte("mine"), "")
	_, otherToken := st.newUser(t, "other@example.com")
	fileID, shareID := file["id"].(string), shareOf(file)["id"].(string)
	_, tokens := st.call(t, "GET", "/api/v1/tokens", st.token, nil)
	tokenID := tokens["tokens"].([]any)[0].(map[string]any)["id"].(string)

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/files/" + fileID, ""},
		{"DELETE", "/api/v1/files/" + fileID, ""},
		{"GET", "/api/v1/shares/" + shareID, ""},
		{"PATCH", "/api/v1/shares/" + shareID, `{"max_downloads":1}`},
		{"GET", "/api/v1/shares/" + shareID + "/downloads", ""},
		{"POST", "/shares/" + shareID + "/edit", ""},
		{"POST", "/shares/" + shareID + "/again", ""},
		{"GET", "/shares/" + shareID + "/downloads", ""},
		{"POST", "/shares/" + shareID + "/end", ""},
		{"DELETE", "/api/v1/shares/" + shareID, ""},
		{"DELETE", "/api/v1/tokens/" + tokenID, ""},
		{"POST", "/api/v1/shares", `{"file_ids":["` + fileID + `"]}`},
	} {
		res, out := st.call(t, c.method, c.path, otherToken, strings.NewReader(c.body))
		if res.StatusCode != 404 {
			t.Errorf("other user %s %s: %d %v", c.method, c.path, res.StatusCode, out["_raw"])
		}
	}
	for _, path := range []string{"/api/v1/files", "/api/v1/shares", "/api/v1/tokens"} {
		_, out := st.call(t, "GET", path, otherToken, nil)
		for _, list := range out {
			if items, ok := list.([]any); ok && len(items) > 0 && !strings.HasSuffix(path, "tokens") {
				t.Errorf("other user lists %s: %v", path, items)
			}
		}
	}
	if res, _ := st.call(t, "GET", "/api/v1/files/"+fileID, st.token, nil); res.StatusCode != 200 {
		t.Errorf("owner cannot read own file: %d", res.StatusCode)
	}
	if res, out := st.call(t, "GET", "/api/v1/shares/"+shareID, st.token, nil); res.StatusCode != 200 || out["state"] != "live" || out["max_downloads"] != nil {
		t.Errorf("the owner's share after the other user's tries: %d %v", res.StatusCode, out["_raw"])
	}
}

func TestDownloadLimitOverHTTP(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "five.txt", []byte("five"), "?max_downloads=5")
	dl := st.url + pathOf(t, shareOf(file)["download_url"].(string))
	codes := make(chan int, 30)
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			res, err := http.Get(dl)
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[200] != 5 || count[410] != 25 {
		t.Errorf("30 parallel downloads of a 5-download share: %v", count)
	}
}

func TestPasswordShare(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "secret.txt", []byte("s3cr3t"), "", "Ferry-Share-Password", "open sesame")
	sh := shareOf(file)
	if sh["has_password"] != true {
		t.Fatalf("share: %v", sh)
	}
	page, dl := pathOf(t, sh["url"].(string)), pathOf(t, sh["download_url"].(string))
	if res, out := st.call(t, "GET", page, "", nil, "Accept", "application/json"); res.StatusCode != 401 || strings.Contains(out["_raw"].(string), file["id"].(string)) {
		t.Errorf("locked share page: %d %v", res.StatusCode, out["_raw"])
	}
	if res, _ := st.call(t, "GET", dl, "", nil); res.StatusCode != 401 {
		t.Errorf("no password: %d", res.StatusCode)
	}
	if res, _ := st.call(t, "GET", dl, "", nil, "Ferry-Share-Password", "wrong"); res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if res, out := st.call(t, "GET", dl, "", nil, "Ferry-Share-Password", "open sesame"); res.StatusCode != 200 || out["_raw"] != "s3cr3t" {
		t.Errorf("right password: %d %v", res.StatusCode, out["_raw"])
	}
	// A browser: the unlock form sets the session, then the page opens.
	jar := newJar(t)
	client := &http.Client{Jar: jar}
	res, err := client.PostForm(st.url+page+"/unlock", map[string][]string{"password": {"open sesame"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "secret.txt") {
		t.Errorf("after unlock: %d %s", res.StatusCode, body)
	}
}

func TestRateLimitedGuesses(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "x.txt", []byte("x"), "", "Ferry-Share-Password", "right one")
	dl := pathOf(t, shareOf(file)["download_url"].(string))
	var last *http.Response
	for range 12 {
		last, _ = st.call(t, "GET", dl, "", nil, "Ferry-Share-Password", "guess", "X-Forwarded-For", fmt.Sprint(time.Now().UnixNano()))
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Errorf("12th guess: %d, Retry-After %q; a forged X-Forwarded-For must not reset the limit", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestMultipartAndZip(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range map[string]string{"a.txt": "alpha", `dir\b.txt`: "bravo"} {
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write([]byte(content))
	}
	_ = mw.WriteField("max_downloads", "3")
	_ = mw.Close()
	res, out := st.call(t, "POST", "/api/v1/files", st.token, &body, "Content-Type", mw.FormDataContentType())
	if res.StatusCode != 201 || len(out["files"].([]any)) != 2 {
		t.Fatalf("multipart: %d %v", res.StatusCode, out["_raw"])
	}
	zipURL := pathOf(t, out["share"].(map[string]any)["download_url"].(string))
	res, raw := st.call(t, "GET", zipURL, "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("zip: %d", res.StatusCode)
	}
	got := testkit.ZipEntries(t, []byte(raw["_raw"].(string)))
	if got["a.txt"] != "alpha" || got["dir/b.txt"] != "bravo" || len(got) != 2 { // a backslash is a folder's
		t.Errorf("zip holds %v", got)
	}
	res, _ = st.call(t, "POST", "/api/v1/files", st.token, strings.NewReader("not multipart"), "Content-Type", "text/plain")
	if res.StatusCode != 400 {
		t.Errorf("non-multipart POST: %d", res.StatusCode)
	}
	// 100 files, each with its size field, are one upload; a 101st is refused.
	for _, n := range []int{maxFiles, maxFiles + 1} {
		body.Reset()
		mw = multipart.NewWriter(&body)
		for i := range n {
			_ = mw.WriteField("size", "1")
			w, _ := mw.CreateFormFile("file", fmt.Sprintf("f%d.txt", i))
			_, _ = w.Write([]byte("x"))
		}
		_ = mw.Close()
		res, out = st.call(t, "POST", "/api/v1/files", st.token, &body, "Content-Type", mw.FormDataContentType())
		if want := map[bool]int{true: 201, false: 400}[n <= maxFiles]; res.StatusCode != want {
			t.Errorf("%d files: %d %v, want %d", n, res.StatusCode, out, want)
		}
	}
}

func TestDeleteStopsLinks(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "gone.txt", []byte("bye"), "")
	dl := pathOf(t, shareOf(file)["download_url"].(string))
	if res, _ := st.call(t, "DELETE", "/api/v1/files/"+file["id"].(string), st.token, nil); res.StatusCode != 204 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res, _ := st.call(t, "GET", dl, "", nil); res.StatusCode != 404 {
		t.Errorf("link after delete: %d", res.StatusCode)
	}
	if n := st.objectCount(t); n != 0 {
		t.Errorf("%d objects left after delete", n)
	}
}

func TestAnonymousUploads(t *testing.T) {
	t.Parallel()
	st := newStack(t, func(s *Settings) { s.AnonymousUploads = true })
	res, out := st.call(t, "PUT", "/api/v1/files/anon.txt", "", strings.NewReader("hi"))
	if res.StatusCode != 201 || out["share"] == nil {
		t.Errorf("anonymous upload: %d %v", res.StatusCode, out["_raw"])
	}
}

// TestRedirectDownloads: in redirect mode a counted download answers 302
// to a short-lived signed storage URL that serves the bytes.
func TestRedirectDownloads(t *testing.T) {
	t.Parallel()
	st := newStack(t, func(s *Settings) { s.DownloadMode = "redirect" })
	file := st.upload(t, "direct.txt", []byte("straight from storage"), "?max_downloads=1")
	dl := st.url + pathOf(t, shareOf(file)["download_url"].(string))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(dl)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Signature") {
		t.Fatalf("redirect: %d %q", res.StatusCode, loc)
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "straight from storage" {
		t.Errorf("signed URL served %q", body)
	}
	if res, _ := noFollow.Get(dl); res.StatusCode != http.StatusGone {
		t.Errorf("second download of a one-download share: %d", res.StatusCode)
	}
}

func TestJSONBodyLimit(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	huge := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	res, out := st.call(t, "POST", "/api/v1/tokens", st.token, strings.NewReader(huge))
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KiB JSON body: %d %v", res.StatusCode, out["_raw"])
	}
}

func TestCreateShareRefusals(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	for body, want := range map[string]int{
		`{"file_ids":[]}`:       400,
		`{"file_ids":["nope"]}`: 400,
		`{"file_ids":["3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5f"]}`: 404,
	} {
		if res, out := st.call(t, "POST", "/api/v1/shares", st.token, strings.NewReader(body)); res.StatusCode != want {
			t.Errorf("%s: %d %v, want %d", body, res.StatusCode, out["_raw"], want)
		}
	}
}

// TestListingShowsLiveShare: a file listed with a newer share that has
// ended shows its older, live share.
func TestListingShowsLiveShare(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "kept.txt", []byte("still here"), "")
	live := shareOf(file)["id"].(string)
	res, newer := st.call(t, "POST", "/api/v1/shares", st.token, strings.NewReader(`{"file_ids":["`+file["id"].(string)+`"]}`))
	if res.StatusCode != 201 {
		t.Fatalf("second share: %d %v", res.StatusCode, newer["_raw"])
	}
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE shares SET expires_at = now() - interval '1 minute' WHERE id = $1", newer["id"]); err != nil {
		t.Fatal(err)
	}
	_, list := st.call(t, "GET", "/api/v1/files", st.token, nil)
	files, _ := list["files"].([]any)
	if len(files) != 1 || shareOf(files[0].(map[string]any))["id"] != live {
		t.Errorf("listing shows %v, want the live share %s", list["_raw"], live)
	}
}

// TestMultipartSizes: a size field before a file part announces its
// length (an S3 store then takes it in one request); a part of another
// length, or a size that is not a number, is refused and nothing is kept.
func TestMultipartSizes(t *testing.T) {
	t.Parallel()
	type field struct{ name, file, value string }
	tests := []struct {
		name   string
		fields []field
		status int
		code   string
	}{
		{"sizes match", []field{{"size", "", "5"}, {"file", "a.txt", "alpha"}, {"file", "b.txt", "no size, any length"}}, 201, ""},
		{"part shorter", []field{{"size", "", "9"}, {"file", "a.txt", "alpha"}}, 400, "length_mismatch"},
		{"part longer", []field{{"size", "", "2"}, {"file", "a.txt", "alpha"}}, 400, "length_mismatch"},
		{"second part wrong", []field{{"file", "a.txt", "alpha"}, {"size", "", "1"}, {"file", "b.txt", "bravo"}}, 400, "length_mismatch"},
		{"not a number", []field{{"size", "", "five"}, {"file", "a.txt", "alpha"}}, 400, "invalid_field"},
		{"over the limit", []field{{"size", "", "999999999"}, {"file", "a.txt", "alpha"}}, 413, "too_large"},
		{"body cut short", []field{{"file", "a.txt", "alpha"}, {"cut", "", ""}}, 400, "incomplete_body"},
		{"sized body cut short", []field{{"size", "", "5"}, {"file", "a.txt", "alpha"}, {"cut", "", ""}}, 400, "incomplete_body"},
	}
	for _, blobURL := range []string{"s3", "mem://"} {
		t.Run(blobURL, func(t *testing.T) {
			t.Parallel()
			var st *stack
			if blobURL == "s3" {
				st = newStack(t, nil)
			} else {
				st = newStackOn(t, blobURL, nil)
			}
			for _, tt := range tests {
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				for _, f := range tt.fields {
					if f.name == "cut" { // the body ends inside the last part
						body.Truncate(body.Len() - 2)
						continue
					}
					if f.file == "" {
						_ = mw.WriteField(f.name, f.value)
						continue
					}
					w, _ := mw.CreateFormFile(f.name, f.file)
					_, _ = w.Write([]byte(f.value))
				}
				if tt.fields[len(tt.fields)-1].name != "cut" {
					_ = mw.Close()
				}
				before := st.objectCount(t)
				res, out := st.call(t, "POST", "/api/v1/files", st.token, &body, "Content-Type", mw.FormDataContentType())
				if res.StatusCode != tt.status || tt.code != "" && errorCode(out) != tt.code {
					t.Errorf("%s: %d %v, want %d %s", tt.name, res.StatusCode, out, tt.status, tt.code)
				}
				if tt.status != 201 && st.objectCount(t) != before {
					t.Errorf("%s: a refused upload left an object", tt.name)
				}
			}
			if n := st.rowCount(t, "files"); n != 2 {
				t.Errorf("%d file rows, want the 2 of the one accepted upload", n)
			}
		})
	}
}

func TestListFilesPages(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	for _, name := range []string{"b.txt", "a.txt", "docs%2Fc.txt"} {
		if res, out := st.call(t, "PUT", "/api/v1/files/"+name, st.token, strings.NewReader("x")); res.StatusCode != 201 {
			t.Fatalf("PUT %s: %d %v", name, res.StatusCode, out)
		}
	}
	list := func(query string) (int, []string, map[string]any) {
		res, out := st.call(t, "GET", "/api/v1/files?"+query, st.token, nil)
		var got []string
		if fs, ok := out["files"].([]any); ok {
			for _, f := range fs {
				got = append(got, f.(map[string]any)["name"].(string))
			}
		}
		return res.StatusCode, got, out
	}
	status, got, out := list("sort=name&limit=2")
	if status != 200 || strings.Join(got, " ") != "a.txt b.txt" || out["next_cursor"] == "" || out["prev_cursor"] != "" {
		t.Fatalf("first page: %d %v %v", status, got, out)
	}
	status, got, out = list("sort=name&limit=2&cursor=" + out["next_cursor"].(string))
	if status != 200 || strings.Join(got, " ") != "docs/c.txt" || out["next_cursor"] != "" || out["prev_cursor"] == "" {
		t.Fatalf("second page: %d %v %v", status, got, out)
	}
	if status, got, _ = list("q=DOCS"); status != 200 || strings.Join(got, " ") != "docs/c.txt" {
		t.Errorf("search: %d %v", status, got)
	}
	for _, tt := range []struct{ query, code string }{
		{"sort=owner", "invalid_parameter"},
		{"limit=0", "invalid_parameter"},
		{"order=up", "invalid_parameter"},
		{"cursor=nonsense", "invalid_cursor"},
		{"page=2", "unknown_parameter"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			if status, _, out := list(tt.query); status != 400 || errorCode(out) != tt.code {
				t.Errorf("%s: %d %v, want 400 %s", tt.query, status, out, tt.code)
			}
		})
	}
	if res, out := st.call(t, "PUT", "/api/v1/files/a%2F..%2Fb.txt", st.token, strings.NewReader("x")); res.StatusCode != 400 || errorCode(out) != "invalid_name" {
		t.Errorf("climbing PUT: %d %v", res.StatusCode, out)
	}
}
