package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/blobtest"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestSharingBlackBox drives a real `ferry web` over each storage driver:
// an S3-compatible server spoken to through the S3 API, a folder and
// memory. The user and token come from `ferry admin`, as an operator's do.
func TestSharingBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	for name, blobURL := range map[string]func(testing.TB) string{
		"s3":   blobtest.S3,
		"file": func(t testing.TB) string { return "file://" + t.TempDir() },
		"mem":  func(testing.TB) string { return "mem://" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, base := webEnv(t, dbtest.URL(t))
			env = append(env, "BLOB_URL="+blobURL(t), "MAX_UPLOAD_SIZE=4MiB")
			token := adminToken(t, env)
			web := start(t, env, "web")
			waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
			shareRoundTrip(t, base, token)
			web.signal(t, syscall.SIGTERM)
			if code := web.exitCode(t, 15*time.Second); code != 0 {
				t.Errorf("exit %d", code)
			}
		})
	}
}

// adminToken creates a user and an API token with the admin commands.
func adminToken(t *testing.T, env []string) string {
	t.Helper()
	if code, out, errOut := run(t, env, "a long password\n", "admin", "create-user", "--email", "op@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("create-user: %d %s %s", code, out, errOut)
	}
	code, out, errOut := run(t, env, "", "admin", "create-token", "--email", "op@example.com", "--name", "ci")
	if code != 0 || !strings.HasPrefix(out, "ferry_") {
		t.Fatalf("create-token: %d %q %s", code, out, errOut)
	}
	suite.Secret("password", "a long password")
	suite.Secret("API token", out)
	return strings.TrimSpace(out)
}

func shareRoundTrip(t *testing.T, base, token string) {
	t.Helper()
	content := make([]byte, 3<<20+17)
	_, _ = rand.Read(content)
	res, body := request(t, "PUT", base+"/api/v1/files/data.bin?max_downloads=2", token, bytes.NewReader(content))
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	link := decode[fileBody](t, "upload", body).Share.DownloadURL
	for i, want := range []int{200, 200, 410} {
		res, got := request(t, "GET", link, "", nil)
		if res.StatusCode != want || (want == 200 && !bytes.Equal(got, content)) {
			t.Errorf("download %d: %d, %d bytes", i+1, res.StatusCode, len(got))
		}
	}
	res, body = request(t, "PUT", base+"/api/v1/files/big.bin", token, bytes.NewReader(make([]byte, 5<<20)))
	if res.StatusCode != 413 || decode[errorBody](t, "oversize upload", body).Error.Code != "too_large" {
		t.Errorf("oversize upload: %d %s", res.StatusCode, body)
	}
	if res, _ := request(t, "PUT", base+"/api/v1/files/x.txt", "", strings.NewReader("x")); res.StatusCode != 401 {
		t.Errorf("anonymous upload while off: %d", res.StatusCode)
	}
}

func request(t *testing.T, method, url, token string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, field := range []string{`"token":"`, `/s/`} {
		for _, part := range strings.Split(string(b), field)[1:] {
			if f := strings.FieldsFunc(part, func(r rune) bool { return r == '"' || r == '/' }); len(f) > 0 {
				suite.Secret("share token", f[0])
			}
		}
	}
	return res, b
}
