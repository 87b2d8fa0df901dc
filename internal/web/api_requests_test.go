package web

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// makeRequest creates a file request over the API and returns its JSON.
func (st *stack) makeRequest(t *testing.T, body string) map[string]any {
	t.Helper()
	res, out := st.call(t, "POST", "/api/v1/requests", st.token, strings.NewReader(body), "Content-Type", "application/json")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create request: %d %v", res.StatusCode, out["_raw"])
	}
	return out
}

// TestFileRequestEndToEnd: a request made over the API takes a curl PUT
// from someone without an account; the file is the owner's, listed under
// the request with the uploader's name and note, shared on with
// POST /api/v1/shares; closing the request answers 410 to the next one.
func TestFileRequestEndToEnd(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	q := st.makeRequest(t, `{"title":"Scans","message":"the tax ones","expires_in":"2d","max_files":3,"max_bytes":1000,"notify":false}`)
	token, id := q["token"].(string), q["id"].(string)
	if q["url"] != st.url+"/r/"+token || q["max_files"] != 3.0 || q["max_bytes"] != 1000.0 || q["files_received"] != 0.0 || q["open"] != true {
		t.Errorf("created: %v", q["_raw"])
	}
	res, pub := st.call(t, "GET", "/r/"+token, "", nil, "Accept", "application/json")
	if res.StatusCode != 200 || pub["title"] != "Scans" || pub["message"] != "the tax ones" || pub["files_received"] != 0.0 {
		t.Errorf("public JSON: %d %v", res.StatusCode, pub["_raw"])
	}
	res, got := st.call(t, "PUT", "/r/"+token+"/files/scan.txt?from=Ann&note=as+asked", "", strings.NewReader("hello"))
	if res.StatusCode != http.StatusCreated || got["name"] != "scan.txt" || got["size"] != 5.0 {
		t.Fatalf("put: %d %v", res.StatusCode, got["_raw"])
	}
	if _, ok := got["id"]; ok {
		t.Errorf("the uploader is told the owner's file id: %v", got["_raw"])
	}
	res, detail := st.call(t, "GET", "/api/v1/requests/"+id, st.token, nil)
	list, _ := detail["files"].([]any)
	if res.StatusCode != 200 || detail["files_received"] != 1.0 || detail["bytes_received"] != 5.0 || len(list) != 1 {
		t.Fatalf("detail: %d %v", res.StatusCode, detail["_raw"])
	}
	f := list[0].(map[string]any)
	if f["from"] != "Ann" || f["note"] != "as asked" || f["share"] != nil || f["received_at"] == nil {
		t.Errorf("received file: %v", f)
	}
	res, sh := st.call(t, "POST", "/api/v1/shares", st.token, strings.NewReader(`{"file_ids":["`+f["id"].(string)+`"]}`), "Content-Type", "application/json")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("share on: %d %v", res.StatusCode, sh["_raw"])
	}
	if res, _ := st.call(t, "GET", pathOf(t, sh["url"].(string))+"/files/"+f["id"].(string), "", nil); res.StatusCode != 200 {
		t.Errorf("download of the shared-on file: %d", res.StatusCode)
	}
	_, other := st.newUser(t, "other@example.com")
	for _, m := range []string{"GET", "DELETE"} {
		if res, out := st.call(t, m, "/api/v1/requests/"+id, other, nil); res.StatusCode != 404 {
			t.Errorf("%s another's request: %d %v", m, res.StatusCode, out["_raw"])
		}
	}
	if res, _ := st.call(t, "DELETE", "/api/v1/requests/"+id, st.token, nil); res.StatusCode != 204 {
		t.Fatalf("close: %d", res.StatusCode)
	}
	res, out := st.call(t, "PUT", "/r/"+token+"/files/late.txt", "", strings.NewReader("late"))
	if res.StatusCode != http.StatusGone || errorCode(out) != "gone" {
		t.Errorf("put to a closed request: %d %v", res.StatusCode, out["_raw"])
	}
	if res, _ := st.call(t, "GET", "/r/"+token, "", nil, "Accept", "application/json"); res.StatusCode != http.StatusGone {
		t.Errorf("closed request page: %d", res.StatusCode)
	}
	if res, out := st.call(t, "GET", "/api/v1/requests", st.token, nil); res.StatusCode != 200 || len(out["requests"].([]any)) != 1 {
		t.Errorf("list: %d %v", res.StatusCode, out["_raw"])
	}
	if n := st.rowCount(t, "files"); n != 1 {
		t.Errorf("%d files, want 1 (the closed request's upload kept nothing)", n)
	}
}

// TestFileRequestRefusals: each limit answers its status, in the error
// table's JSON, and keeps nothing.
func TestFileRequestRefusals(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	locked := st.makeRequest(t, `{"title":"Locked","password":"open sesame pw"}`)["token"].(string)
	small := st.makeRequest(t, `{"title":"Small","max_files":1,"max_bytes":10}`)["token"].(string)
	tests := []struct {
		name, path, body string
		headers          []string
		status           int
		code             string
	}{
		{"no password", "/r/" + locked + "/files/a.txt", "abc", nil, 401, "password_required"},
		{"wrong password", "/r/" + locked + "/files/a.txt", "abc", []string{passwordHeader, "nope"}, 401, "wrong_password"},
		{"over max_bytes", "/r/" + small + "/files/a.txt", strings.Repeat("a", 11), nil, 413, "too_large"},
		{"unknown request", "/r/nosuchtoken/files/a.txt", "abc", nil, 404, "not_found"},
		{"unknown parameter", "/r/" + small + "/files/a.txt?expires_in=1h", "abc", nil, 400, "unknown_parameter"},
		{"a name on two lines", "/r/" + small + "/files/a.txt?from=a%0Ab", "abc", nil, 400, "invalid_field"},
	}
	for _, tt := range tests {
		res, out := st.call(t, "PUT", tt.path, "", strings.NewReader(tt.body), tt.headers...)
		if res.StatusCode != tt.status || errorCode(out) != tt.code {
			t.Errorf("%s: %d %v, want %d %s", tt.name, res.StatusCode, out["_raw"], tt.status, tt.code)
		}
	}
	if n, objs := st.rowCount(t, "files"), st.objectCount(t); n != 0 || objs != 0 {
		t.Fatalf("%d files, %d objects after refusals", n, objs)
	}
	if res, out := st.call(t, "PUT", "/r/"+locked+"/files/a.txt", "", strings.NewReader("abc"), passwordHeader, "open sesame pw"); res.StatusCode != 201 {
		t.Errorf("with the password: %d %v", res.StatusCode, out["_raw"])
	}
	if res, _ := st.call(t, "PUT", "/r/"+small+"/files/a.txt", "", strings.NewReader("abc")); res.StatusCode != 201 {
		t.Errorf("the one file: %d", res.StatusCode)
	}
	if res, out := st.call(t, "PUT", "/r/"+small+"/files/b.txt", "", strings.NewReader("b")); res.StatusCode != 409 || errorCode(out) != "request_full" {
		t.Errorf("past max_files: %d %v", res.StatusCode, out["_raw"])
	}
	for _, body := range []string{`{"title":""}`, `{"title":"x","max_files":0}`, `{"title":"x","expires_in":"30d"}`, `{"title":"x","max_bytes":-1}`} {
		if res, out := st.call(t, "POST", "/api/v1/requests", st.token, strings.NewReader(body)); res.StatusCode != 400 || errorCode(out) != "invalid_field" {
			t.Errorf("create %s: %d %v", body, res.StatusCode, out["_raw"])
		}
	}
}

// TestFileRequestRaceOverHTTP: two curl uploads race for a request's
// last slot; one is 201, the other 409, and one file and one object are
// all that is kept.
func TestFileRequestRaceOverHTTP(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	token := st.makeRequest(t, `{"title":"One","max_files":1}`)["token"].(string)
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest("PUT", st.url+"/r/"+token+"/files/f.txt", bytes.NewReader(bytes.Repeat([]byte("x"), 64<<10)))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	wg.Wait()
	if !(codes[0] == 201 && codes[1] == 409 || codes[0] == 409 && codes[1] == 201) {
		t.Errorf("statuses %v, want one 201 and one 409", codes)
	}
	if n, objs, holds := st.rowCount(t, "files"), st.objectCount(t), st.rowCount(t, "request_holds"); n != 1 || objs != 1 || holds != 0 {
		t.Errorf("%d files, %d objects, %d holds; want 1, 1, 0", n, objs, holds)
	}
}

// TestFileRequestOverTus: an upload to a request over tus needs no
// account; its slot is held from creation (a second upload is 409 at
// once), its PATCHes need only its id, and it becomes the owner's file
// without a share. A request closed while an upload is in flight answers
// its next PATCH 410 at once; ending it gives the slot back. An
// anonymous client cannot reach anyone's own uploads.
func TestFileRequestOverTus(t *testing.T) {
	t.Parallel()
	st := newTusStack(t, nil)
	q := st.makeRequest(t, `{"title":"Tus","max_files":1,"max_bytes":100}`)
	token, id := q["token"].(string), q["id"].(string)
	meta := tusMeta("filename", "scan.bin", "request", token, "from", "Bo")
	res := st.tus(t, "POST", "/api/v1/uploads", "", nil, "Upload-Length", "10", "Upload-Metadata", meta)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("anonymous create: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if res := st.tus(t, "POST", "/api/v1/uploads", "", nil, "Upload-Length", "10", "Upload-Metadata", meta); res.StatusCode != http.StatusConflict {
		t.Errorf("second upload while the slot is held: %d, want 409", res.StatusCode)
	}
	if res := st.tus(t, "POST", "/api/v1/uploads", "", nil, "Upload-Length", "200", "Upload-Metadata", meta); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over max_bytes: %d, want 413", res.StatusCode)
	}
	res = st.tus(t, "PATCH", loc, "", []byte("0123456789"), "Upload-Offset", "0")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Ferry-File-Id") != "" {
		t.Fatalf("patch: %d, Ferry-File-Id %q", res.StatusCode, res.Header.Get("Ferry-File-Id"))
	}
	_, detail := st.call(t, "GET", "/api/v1/requests/"+id, st.token, nil)
	list, _ := detail["files"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["from"] != "Bo" || list[0].(map[string]any)["share"] != nil || detail["files_received"] != 1.0 {
		t.Fatalf("detail: %v", detail["_raw"])
	}
	if n := st.rowCount(t, "request_holds"); n != 0 {
		t.Errorf("%d holds after the commit", n)
	}

	q2 := st.makeRequest(t, `{"title":"Closing"}`)
	res = st.tus(t, "POST", "/api/v1/uploads", "", nil, "Upload-Length", "10", "Upload-Metadata", tusMeta("filename", "a.bin", "request", q2["token"].(string)))
	loc2 := res.Header.Get("Location")
	if res := st.tus(t, "PATCH", loc2, "", []byte("01234"), "Upload-Offset", "0"); res.StatusCode != http.StatusNoContent {
		t.Fatalf("first half: %d", res.StatusCode)
	}
	if res, _ := st.call(t, "DELETE", "/api/v1/requests/"+q2["id"].(string), st.token, nil); res.StatusCode != 204 {
		t.Fatal("close")
	}
	if res := st.tus(t, "PATCH", loc2, "", []byte("56789"), "Upload-Offset", "5"); res.StatusCode != http.StatusGone {
		t.Errorf("patch after close: %d, want 410", res.StatusCode)
	}
	if res := st.tus(t, "DELETE", loc2, "", nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("terminate after close: %d", res.StatusCode)
	}
	if n, files := st.rowCount(t, "request_holds"), st.rowCount(t, "files"); n != 0 || files != 1 {
		t.Errorf("%d holds, %d files; want 0, 1", n, files)
	}

	own := st.create(t, 5)
	for _, m := range []string{"HEAD", "DELETE"} {
		if res := st.tus(t, m, own, "", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("anonymous %s of a user's own upload: %d, want 404", m, res.StatusCode)
		}
	}
	if res := st.tus(t, "POST", "/api/v1/uploads", "", nil, "Upload-Length", "5", "Upload-Metadata", tusMeta("filename", "x")); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous upload of one's own: %d, want 401", res.StatusCode)
	}
}

// TestFileRequestRateLimit: anonymous uploads to requests are limited
// per client group, before the request or the body is looked at.
func TestFileRequestRateLimit(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	token := st.makeRequest(t, `{"title":"Busy"}`)["token"].(string)
	for i := range requestUploadRate.Rate {
		if res, out := st.call(t, "PUT", "/r/"+token+"/files/a.txt", "", strings.NewReader("a")); res.StatusCode != 201 {
			t.Fatalf("upload %d: %d %v", i, res.StatusCode, out["_raw"])
		}
	}
	res, out := st.call(t, "PUT", "/r/"+token+"/files/a.txt", "", strings.NewReader("a"))
	if res.StatusCode != http.StatusTooManyRequests || errorCode(out) != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Errorf("upload past the rate: %d %v, Retry-After %q", res.StatusCode, out["_raw"], res.Header.Get("Retry-After"))
	}
	if n := st.rowCount(t, "files"); n != requestUploadRate.Rate {
		t.Errorf("%d files, want %d", n, requestUploadRate.Rate)
	}
}
