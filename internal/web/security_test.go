package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/logging"
)

// eventLines are the security events st logged, each decoded.
func eventLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "security event" {
			out = append(out, m)
		}
	}
	return out
}

// proxied is a browser behind the trusted proxy, at 203.0.113.7.
type proxied struct {
	t  *testing.T
	c  *http.Client
	st *stack
}

const forwardedFor = "203.0.113.7"

func (c proxied) do(method, path, contentType, body, token string) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.st.url+path, strings.NewReader(body))
	req.Header.Set("X-Forwarded-For", forwardedFor)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func (c proxied) json(method, path, body string) int {
	return c.do(method, path, "application/json", body, "")
}

func (c proxied) form(path string, v url.Values) int {
	return c.do("POST", path, "application/x-www-form-urlencoded", v.Encode(), "")
}

// TestSecurityEvents goes through every security event, by the API and
// by the forms, and finds each logged once with the client's address
// (through the trusted proxy), the request id and the user id when
// known, the email only hashed, and no password or token.
func TestSecurityEvents(t *testing.T) {
	t.Parallel()
	const email, password, newPassword = "new@example.com", "new user's password", "a new long password"
	type step struct {
		event string
		run   func(c proxied) int
		want  int
	}
	flows := []struct {
		name  string
		steps func(st *stack, c proxied) []step
	}{
		{"api", func(st *stack, c proxied) []step {
			var tokenID string
			return []step{
				{eventSignup, func(c proxied) int {
					return c.json("POST", "/api/v1/signup", `{"email":"`+email+`","password":"`+password+`"}`)
				}, 201},
				{eventLoginFailed, func(c proxied) int {
					return c.json("POST", "/api/v1/login", `{"email":"`+email+`","password":"not the password"}`)
				}, 401},
				{eventLogin, func(c proxied) int {
					return c.json("POST", "/api/v1/login", `{"email":"`+email+`","password":"`+password+`"}`)
				}, 200},
				{eventTokenCreated, func(c proxied) int {
					req, _ := http.NewRequest("POST", st.url+"/api/v1/tokens", strings.NewReader(`{"name":"ci","scopes":["files:read"],"expires_in":"1d"}`))
					req.Header.Set("X-Forwarded-For", forwardedFor)
					r, err := c.c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer r.Body.Close()
					var tok map[string]any
					_ = json.NewDecoder(r.Body).Decode(&tok)
					tokenID, _ = tok["id"].(string)
					return r.StatusCode
				}, 201},
				{eventTokenRevoked, func(c proxied) int { return c.json("DELETE", "/api/v1/tokens/"+tokenID, "") }, 204},
				{eventPasswordChanged, func(c proxied) int {
					return c.json("POST", "/api/v1/me/password", `{"current_password":"`+password+`","new_password":"`+newPassword+`"}`)
				}, 204},
				{eventSessionsRevoked, func(c proxied) int { return c.json("POST", "/api/v1/me/sessions/revoke", "") }, 204},
			}
		}},
		{"forms", func(st *stack, c proxied) []step {
			return []step{
				{eventSignup, func(c proxied) int { return c.form("/signup", url.Values{"email": {email}, "password": {password}}) }, 200},
				{eventLoginFailed, func(c proxied) int {
					return c.form("/login", url.Values{"email": {email}, "password": {"not the password"}})
				}, 401},
				{eventLogin, func(c proxied) int { return c.form("/login", url.Values{"email": {email}, "password": {password}}) }, 200},
				{eventTokenCreated, func(c proxied) int { return c.form("/tokens", url.Values{"name": {"ci"}, "scopes": {"account"}}) }, 200},
				{eventTokenRevoked, func(c proxied) int {
					var id string
					if err := st.services.DB.QueryRow(t.Context(), "SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1", email).Scan(&id); err != nil {
						t.Fatal(err)
					}
					return c.form("/tokens/"+id+"/revoke", nil)
				}, 200},
				{eventPasswordChanged, func(c proxied) int {
					return c.form("/account/password", url.Values{"current_password": {password}, "new_password": {newPassword}})
				}, 200},
				{eventSessionsRevoked, func(c proxied) int { return c.form("/account/sign-out-everywhere", nil) }, 200},
			}
		}},
	}
	for _, flow := range flows {
		t.Run(flow.name, func(t *testing.T) {
			t.Parallel()
			st := newStack(t, func(s *Settings) {
				s.SignupEnabled = true
				s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
			})
			jar, _ := cookiejar.New(nil)
			c := proxied{t: t, c: &http.Client{Jar: jar}, st: st}
			steps := flow.steps(st, c)
			for _, s := range steps {
				if got := s.run(c); got != s.want {
					t.Fatalf("%s: %d, want %d", s.event, got, s.want)
				}
			}
			var userID string
			if err := st.services.DB.QueryRow(t.Context(), "SELECT id FROM users WHERE email = $1", email).Scan(&userID); err != nil {
				t.Fatal(err)
			}
			lines := eventLines(t, st.logs.String())
			for _, s := range steps {
				t.Run(s.event, func(t *testing.T) {
					var found []map[string]any
					for _, l := range lines {
						if l["event"] == s.event {
							found = append(found, l)
						}
					}
					if len(found) != 1 {
						t.Fatalf("%d lines, want 1: %v", len(found), found)
					}
					l := found[0]
					wantLevel, wantUser := "INFO", userID
					if s.event == eventLoginFailed {
						wantLevel, wantUser = "WARN", ""
						if l["email_sha256"] != emailHash(email) {
							t.Errorf("email_sha256 %v, want %s", l["email_sha256"], emailHash(email))
						}
					}
					if l["level"] != wantLevel || l["client"] != forwardedFor || l["request_id"] == nil || l["request_id"] == "" {
						t.Errorf("line %v: want level %s, client %s, a request id", l, wantLevel, forwardedFor)
					}
					if got, _ := l["user_id"].(string); got != wantUser {
						t.Errorf("user_id %q, want %q", got, wantUser)
					}
				})
			}
			if len(lines) != len(steps) {
				t.Errorf("%d security events, want %d", len(lines), len(steps))
			}
			raw := st.logs.String()
			for _, secret := range []string{email, password, newPassword, "not the password", "ferry_"} {
				if strings.Contains(strings.ToLower(raw), strings.ToLower(secret)) {
					t.Errorf("the log holds %q", secret)
				}
			}
		})
	}
}

// TestLoginLockedOut checks the helper a lockout calls: one warning with
// the client and the email hashed, never the email itself.
func TestLoginLockedOut(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := &Server{Deps: Deps{Log: logging.New(&buf, slog.LevelInfo, "web")}}
	r := httptest.NewRequest("POST", "/api/v1/login", nil)
	r.RemoteAddr = "198.51.100.4:5555"
	s.loginLockedOut(r, " Someone@Example.com ")
	lines := eventLines(t, buf.String())
	if len(lines) != 1 {
		t.Fatalf("lines %q, want one security event", buf.String())
	}
	l := lines[0]
	if l["event"] != "login_locked_out" || l["level"] != "WARN" || l["client"] != "198.51.100.4" || l["email_sha256"] != emailHash("someone@example.com") {
		t.Errorf("line %v", l)
	}
	if strings.Contains(strings.ToLower(buf.String()), "someone@example.com") {
		t.Errorf("the email is in the log: %s", buf.String())
	}
}
