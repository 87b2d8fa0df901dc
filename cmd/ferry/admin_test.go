package main

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// TestAdminResetPassword is the way back for a lost password, run as an
// operator runs it: the new password signs in, the old one does not, and
// a browser signed in before is signed out.
func TestAdminResetPassword(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	env, base := webEnv(t, dbtest.URL(t))
	token := adminToken(t, env) // op@example.com, "a long password"
	web := start(t, env, "web")
	waitFor(t, web, base+"/ready", 200, "", 20*time.Second)
	before := signedIn(t, base, "a long password")

	tests := []struct {
		name, stdin string
		args        []string
		code        int
		want        string // in stdout or stderr
	}{
		{"unknown user", "another long one\n", []string{"--email", "nobody@example.com", "--password-stdin"}, 1, "no user with email nobody@example.com"},
		{"weak password", "short\n", []string{"--email", "op@example.com", "--password-stdin"}, 1, "password too short"},
		{"password on the command line", "", []string{"--email", "op@example.com", "--password", "another long one"}, 2, "--password-stdin"},
		{"no password source", "", []string{"--email", "op@example.com"}, 2, "give one of"},
		{"reset", "another long one\n", []string{"--email", "OP@example.com", "--password-stdin"}, 0, "signed op@example.com out of every browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, env, tt.stdin, append([]string{"admin", "reset-password"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
	suite.Secret("password", "another long one")
	if res := getWith(t, before, base+"/api/v1/me"); res.StatusCode != 401 {
		t.Errorf("a browser signed in before the reset: %d, want 401", res.StatusCode)
	}
	if res := login(t, newJar(t), base, "a long password"); res.StatusCode != 401 {
		t.Errorf("old password: %d, want 401", res.StatusCode)
	}
	if res := getWith(t, signedIn(t, base, "another long one"), base+"/api/v1/me"); res.StatusCode != 200 {
		t.Errorf("new password: /api/v1/me %d", res.StatusCode)
	}
	if res, _ := request(t, "GET", base+"/api/v1/me", token, nil); res.StatusCode != 200 {
		t.Errorf("API token after the reset: %d, want 200 (tokens are not sessions)", res.StatusCode)
	}
}

func TestAdminHelpListsEveryCommand(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	code, out, errOut := run(t, baseEnv(), "", "admin", "--help")
	for _, name := range []string{"create-user", "create-token", "reset-password", "stats", "jobs"} {
		if code != 0 || !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("ferry admin --help: exit %d, %q missing:\n%s%s", code, name, out, errOut)
		}
	}
	if _, out, _ := run(t, baseEnv(), "", "--help"); !strings.Contains(out, "reset-password") || !strings.Contains(out, "jobs") {
		t.Errorf("ferry --help does not name every admin command:\n%s", out)
	}
}

func newJar(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func login(t *testing.T, c *http.Client, base, password string) *http.Response {
	t.Helper()
	body := `{"email":"op@example.com","password":"` + password + `"}`
	req, err := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// signedIn is a client with a session cookie of op@example.com.
func signedIn(t *testing.T, base, password string) *http.Client {
	t.Helper()
	c := newJar(t)
	if res := login(t, c, base, password); res.StatusCode != 200 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return c
}

func getWith(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
