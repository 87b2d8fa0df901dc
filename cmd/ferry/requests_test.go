package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
	"github.com/ferryhq/ferry/internal/testkit/mailtest"
)

// curlPut uploads path to url with the curl program, as an uploader
// without an account would, and returns the HTTP status.
func curlPut(t *testing.T, path, url string) int {
	t.Helper()
	out, err := exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-T", path, url).Output()
	if err != nil {
		t.Errorf("curl %s: %v", url, err)
		return 0
	}
	code, _ := strconv.Atoi(string(out))
	return code
}

// TestFileRequestBlackBox drives real web and worker processes with
// curl: two uploaders race for a request's last slot (one 201, one 409,
// one file kept), the owner gets one mail for the upload, shares the file
// on and sends the link by mail to a recipient, who gets it from the
// worker; once the request is closed the next upload is 410.
func TestFileRequestBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	sink, smtpURL := mailtest.Start(t)
	env, base := webEnv(t, dbtest.URL(t))
	env = append(env, "PUBLIC_URL="+base, "SMTP_URL="+smtpURL, "MAIL_FROM=Ferry <ferry@example.com>", "LOG_LEVEL=info")
	token := adminToken(t, env)
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	port := freePort(t)
	worker := start(t, append(env, "METRICS_PORT="+strconv.Itoa(port)), "worker")
	waitFor(t, worker, fmt.Sprintf("http://127.0.0.1:%d/ready", port), 200, "", 20*time.Second)

	res, body := request(t, "POST", base+"/api/v1/requests", token, strings.NewReader(`{"title":"Tax scans","max_files":1}`))
	if res.StatusCode != 201 {
		t.Fatalf("create request: %d %s", res.StatusCode, body)
	}
	q := decode[struct{ ID, URL string }](t, "request", body)
	file := filepath.Join(t.TempDir(), "scan.bin")
	if err := os.WriteFile(file, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() { codes[i] = curlPut(t, file, fmt.Sprintf("%s/files/scan%d.bin?from=racer%d", q.URL, i, i)) })
	}
	wg.Wait()
	slices.Sort(codes)
	if !slices.Equal(codes, []int{201, 409}) {
		t.Errorf("racing uploads answered %v, want 201 and 409", codes)
	}
	res, body = request(t, "GET", base+"/api/v1/requests/"+q.ID, token, nil)
	got := decode[struct {
		FilesReceived int `json:"files_received"`
		Files         []struct{ ID, From string }
	}](t, "request", body)
	if res.StatusCode != 200 || got.FilesReceived != 1 || len(got.Files) != 1 || !strings.HasPrefix(got.Files[0].From, "racer") {
		t.Errorf("request after the race: %d %s", res.StatusCode, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for sink.Count() < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if all := sink.All(); sink.Count() != 1 || !strings.Contains(all, "Subject: Received 1 file(s): Tax scans") || !strings.Contains(all, "To: <op@example.com>") {
		t.Errorf("%d mails to the owner:\n%s", sink.Count(), all)
	}
	if len(got.Files) == 1 {
		res, body = request(t, "POST", base+"/api/v1/shares", token, strings.NewReader(`{"file_ids":["`+got.Files[0].ID+`"]}`))
		sh := decode[struct{ ID, URL string }](t, "share", body)
		if res.StatusCode != 201 {
			t.Fatalf("share on: %d %s", res.StatusCode, body)
		}
		res, body = request(t, "POST", base+"/api/v1/shares/"+sh.ID+"/send", token, strings.NewReader(`{"to":["ann@example.com"],"message":"your scan"}`))
		if res.StatusCode != 202 {
			t.Fatalf("send: %d %s", res.StatusCode, body)
		}
		for sink.Count() < 2 && time.Now().Before(deadline.Add(30*time.Second)) {
			time.Sleep(100 * time.Millisecond)
		}
		if all := sink.All(); sink.Count() != 2 || !strings.Contains(all, "To: <ann@example.com>") || !strings.Contains(all, "Subject: op@example.com sent you 1 file(s): your scan") {
			t.Errorf("%d mails after the send:\n%s", sink.Count(), all)
		}
	}
	if res, body := request(t, "DELETE", base+"/api/v1/requests/"+q.ID, token, nil); res.StatusCode != 204 {
		t.Fatalf("close: %d %s", res.StatusCode, body)
	}
	if code := curlPut(t, file, q.URL+"/files/late.bin"); code != 410 {
		t.Errorf("upload to a closed request: %d, want 410", code)
	}
}
