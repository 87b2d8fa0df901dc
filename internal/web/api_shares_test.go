package web

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// get fetches a share link's path with optional headers and returns the status.
func (st *stack) fetch(t *testing.T, path string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest("GET", st.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

// TestEditShareAPI edits a live share through PATCH and checks each
// change where a recipient meets it, the link.
func TestEditShareAPI(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "report.txt", []byte("0123456789"), "?max_downloads=3")
	sh := shareOf(file)
	id, dl := "/api/v1/shares/"+sh["id"].(string), pathOf(t, sh["download_url"].(string))
	for range 2 {
		if code := st.fetch(t, dl); code != 200 {
			t.Fatalf("download: %d", code)
		}
	}
	res, got := st.call(t, "GET", id, st.token, nil)
	if res.StatusCode != 200 || got["state"] != "live" || got["remaining_downloads"] != 1.0 || got["downloads"] != 2.0 ||
		got["files"].([]any)[0].(map[string]any)["name"] != "report.txt" || !strings.HasSuffix(got["qr_url"].(string), "/qr.svg") {
		t.Fatalf("GET share: %d %v", res.StatusCode, got["_raw"])
	}

	patch := func(body string) (int, map[string]any) {
		t.Helper()
		res, out := st.call(t, "PATCH", id, st.token, strings.NewReader(body))
		return res.StatusCode, out
	}
	for _, tt := range []struct{ body, code string }{
		{`{"max_downloads":0}`, "invalid_field"},
		{`{"max_downloads":"2"}`, "invalid_field"},
		{`{"expires_in":"400d"}`, "invalid_field"},
		{`{"password":"a\nb"}`, "invalid_field"},
		{`{"max_download":2}`, "invalid_json"},
		{`[]`, "invalid_json"},
	} {
		if code, out := patch(tt.body); code != 400 || errorCode(out) != tt.code {
			t.Errorf("PATCH %s: %d %v, want 400 %s", tt.body, code, out["_raw"], tt.code)
		}
	}
	if code, out := patch(`{"password":"open sesame","expires_in":"2h","max_downloads":5}`); code != 200 || out["has_password"] != true || out["remaining_downloads"] != 3.0 {
		t.Fatalf("PATCH password: %d %v", code, out["_raw"])
	}
	if code := st.fetch(t, dl); code != 401 {
		t.Errorf("download without the new password: %d, want 401", code)
	}
	if code := st.fetch(t, dl, passwordHeader, "open sesame"); code != 200 {
		t.Errorf("download with the new password: %d, want 200", code)
	}
	if code, out := patch(`{"password":"","max_downloads":null}`); code != 200 || out["has_password"] != false || out["remaining_downloads"] != nil || out["max_downloads"] != nil {
		t.Fatalf("PATCH removing password and limit: %d %v", code, out["_raw"])
	}
	if code := st.fetch(t, dl); code != 200 {
		t.Errorf("download of an open, unlimited share: %d", code)
	}
	// Four downloads so far: a limit of two is below what was served.
	if code, out := patch(`{"max_downloads":2}`); code != 200 || out["state"] != "spent" || out["remaining_downloads"] != 0.0 {
		t.Fatalf("PATCH below what was served: %d %v", code, out["_raw"])
	}
	if code := st.fetch(t, dl); code != 410 {
		t.Errorf("download of a share that ended by its new limit: %d, want 410", code)
	}
	if code, out := patch(`{"max_downloads":10}`); code != 410 || errorCode(out) != "gone" {
		t.Errorf("PATCH of an ended share: %d %v, want 410 gone", code, out["_raw"])
	}

	// Another link to the same file has its own limit and count.
	res, again := st.call(t, "POST", "/api/v1/shares", st.token, strings.NewReader(`{"file_ids":["`+file["id"].(string)+`"],"max_downloads":1}`))
	if res.StatusCode != 201 {
		t.Fatalf("second share: %d %v", res.StatusCode, again["_raw"])
	}
	second := pathOf(t, again["url"].(string)) + "/files/" + file["id"].(string)
	if a, b := st.fetch(t, second), st.fetch(t, second); a != 200 || b != 410 {
		t.Errorf("second link's downloads: %d then %d, want 200 then 410", a, b)
	}
	_, list := st.call(t, "GET", "/api/v1/shares", st.token, nil)
	if shares := list["shares"].([]any); len(shares) != 2 || shares[0].(map[string]any)["downloads"] != 1.0 || shares[1].(map[string]any)["downloads"] != 4.0 {
		t.Errorf("shares listed: %v", list["_raw"])
	}
}

// TestShareDownloadsAPI: each response that sent bytes is in its link's
// history, whole or partial, with no address in it.
func TestShareDownloadsAPI(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "notes.txt", []byte("0123456789"), "")
	sh := shareOf(file)
	dl := pathOf(t, sh["download_url"].(string))
	if st.fetch(t, dl) != 200 || st.fetch(t, dl, "Range", "bytes=2-4") != 206 || st.fetch(t, pathOf(t, sh["url"].(string))+"/zip") != 200 {
		t.Fatal("downloads failed")
	}
	if code := st.fetch(t, dl, "If-None-Match", `"`+file["sha256"].(string)+`"`); code != 304 {
		t.Fatalf("conditional GET: %d", code)
	}
	res, out := st.call(t, "GET", "/api/v1/shares/"+sh["id"].(string)+"/downloads", st.token, nil)
	if res.StatusCode != 200 {
		t.Fatalf("history: %d %v", res.StatusCode, out["_raw"])
	}
	events := out["downloads"].([]any)
	if len(events) != 3 {
		t.Fatalf("history has %d events, want 3 (the 304 sent nothing): %v", len(events), out["_raw"])
	}
	zip, part, whole := events[0].(map[string]any), events[1].(map[string]any), events[2].(map[string]any)
	if zip["file_id"] != nil || zip["whole"] != true {
		t.Errorf("zip event: %v", zip)
	}
	if part["bytes"] != 3.0 || part["whole"] != false || part["file_name"] != "notes.txt" {
		t.Errorf("range event: %v", part)
	}
	if whole["bytes"] != 10.0 || whole["whole"] != true || whole["file_id"] != file["id"] {
		t.Errorf("whole event: %v", whole)
	}
	hash := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, e := range events {
		c := e.(map[string]any)["client"].(string)
		if !hash.MatchString(c) || c != whole["client"] {
			t.Errorf("client %q: want one 32-hex hash for the one client", c)
		}
	}
	if strings.Contains(out["_raw"].(string), "127.0.0.1") {
		t.Error("the history names the client's address")
	}
}

// TestNewPasswordLocksUnlockedSessions: a browser that unlocked a share
// with its password loses it when the owner sets another one.
func TestNewPasswordLocksUnlockedSessions(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "secret.txt", []byte("s3cr3t"), "", passwordHeader, "open sesame")
	sh := shareOf(file)
	page, dl := pathOf(t, sh["url"].(string)), st.url+pathOf(t, sh["download_url"].(string))
	client := &http.Client{Jar: newJar(t)}
	status := func(res *http.Response, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		return res.StatusCode
	}
	unlock := func(password string) int {
		return status(client.PostForm(st.url+page+"/unlock", map[string][]string{"password": {password}}))
	}
	if code := unlock("open sesame"); code != 200 {
		t.Fatalf("unlock: %d", code)
	}
	if code := status(client.Get(dl)); code != 200 {
		t.Fatalf("download in the unlocked session: %d", code)
	}
	if res, out := st.call(t, "PATCH", "/api/v1/shares/"+sh["id"].(string), st.token, strings.NewReader(`{"password":"new one"}`)); res.StatusCode != 200 {
		t.Fatalf("PATCH: %d %v", res.StatusCode, out["_raw"])
	}
	if code := status(client.Get(dl)); code != 401 {
		t.Errorf("download in a session unlocked with the old password: %d, want 401", code)
	}
	if code := unlock("new one"); code != 200 {
		t.Fatalf("unlock with the new password: %d", code)
	}
	if code := status(client.Get(dl)); code != 200 {
		t.Errorf("download after unlocking with the new password: %d", code)
	}
}

// TestPatchRacesDownloadsOverHTTP lowers a link's limit while eight
// clients download it as fast as they can. The PATCH answer tells the
// downloads counted when the new limit was decided; whatever the
// interleaving, the link then serves none more if those reached the new
// limit, and never more than the new limit in all otherwise, and every
// 200 is one counted download.
func TestPatchRacesDownloadsOverHTTP(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	file := st.upload(t, "hot.txt", []byte("0123456789"), "?max_downloads=1000")
	sh := shareOf(file)
	dl := pathOf(t, sh["download_url"].(string))
	var ok, started atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				started.Add(1)
				switch code := st.fetch(t, dl); code {
				case 200:
					ok.Add(1)
				case 410:
					return
				default:
					t.Errorf("download: %d", code)
					return
				}
			}
		})
	}
	for started.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	const newMax = 30
	res, out := st.call(t, "PATCH", "/api/v1/shares/"+sh["id"].(string), st.token, strings.NewReader(`{"max_downloads":30}`))
	if res.StatusCode != 200 {
		t.Fatalf("PATCH: %d %v", res.StatusCode, out["_raw"])
	}
	atPatch := int64(out["downloads"].(float64))
	wg.Wait()
	_, after := st.call(t, "GET", "/api/v1/shares/"+sh["id"].(string), st.token, nil)
	final := int64(after["downloads"].(float64))
	if final != ok.Load() {
		t.Errorf("%d downloads counted, %d answered 200", final, ok.Load())
	}
	if atPatch >= newMax && final != atPatch || atPatch < newMax && final > newMax {
		t.Errorf("%d downloads when the limit fell to %d, %d in the end", atPatch, newMax, final)
	}
	if after["state"] != "spent" {
		t.Errorf("state %v after the race, want spent", after["state"])
	}
}
