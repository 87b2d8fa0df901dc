package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
)

// makeAdmin gives the user id the admin role.
func (st *stack) makeAdmin(t *testing.T, id string) {
	t.Helper()
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE users SET role = 'admin' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// adminToken is an admin-scoped token of the stack's owner, made an admin.
func (st *stack) adminToken(t *testing.T) string {
	t.Helper()
	st.makeAdmin(t, st.userID)
	return st.scopedToken(t, account.Scopes{account.ScopeAdmin}, 0)
}

func TestAdminOnly(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	_, userToken := st.newUser(t, "user@example.com")
	everyScope := st.scopedToken(t, account.AllScopes, 0)
	admin := st.adminToken(t)
	for _, tc := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"a user", userToken, http.StatusForbidden, "forbidden"},
		{"an admin's token without the admin scope", everyScope, http.StatusForbidden, "insufficient_scope"},
		{"an admin's admin token", admin, http.StatusOK, ""},
		{"nobody", "", http.StatusUnauthorized, "unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/admin/users", "/api/v1/admin/audit"} {
				res, out := st.call(t, "GET", path, tc.token, nil)
				if res.StatusCode != tc.status || errorCode(out) != tc.code {
					t.Errorf("GET %s: %d %v, want %d %s", path, res.StatusCode, out["_raw"], tc.status, tc.code)
				}
			}
		})
	}
	t.Run("a user cannot make an admin token", func(t *testing.T) {
		res, out := st.call(t, "POST", "/api/v1/tokens", userToken, strings.NewReader(`{"name":"x","scopes":["admin"]}`))
		if res.StatusCode != http.StatusForbidden || errorCode(out) != "forbidden" {
			t.Errorf("%d %v", res.StatusCode, out["_raw"])
		}
	})
	t.Run("an admin token stops with the role", func(t *testing.T) {
		other, _ := st.newUser(t, "second-admin@example.com")
		st.makeAdmin(t, other)
		if res, out := st.call(t, "PATCH", "/api/v1/admin/users/"+st.userID, admin, strings.NewReader(`{"role":"user"}`)); res.StatusCode != 200 {
			t.Fatalf("demote self: %d %v", res.StatusCode, out["_raw"])
		}
		if res, out := st.call(t, "GET", "/api/v1/admin/users", admin, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("a demoted admin's token: %d %v", res.StatusCode, out["_raw"])
		}
	})
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	admin := st.adminToken(t)
	st.newUser(t, "Alice@Example.com")
	st.newUser(t, "bob@example.com")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"owner@example.com", "Alice@Example.com", "bob@example.com"}},
		{"alice", []string{"Alice@Example.com"}},
		{"EXAMPLE.COM", []string{"owner@example.com", "Alice@Example.com", "bob@example.com"}},
		{"nobody", nil},
	} {
		t.Run("q="+tc.q, func(t *testing.T) {
			res, out := st.call(t, "GET", "/api/v1/admin/users?q="+tc.q, admin, nil)
			if res.StatusCode != 200 {
				t.Fatalf("%d %v", res.StatusCode, out["_raw"])
			}
			var got []string
			for _, u := range out["users"].([]any) {
				got = append(got, u.(map[string]any)["email"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("users %v, want %v", got, tc.want)
			}
		})
	}
	res, out := st.call(t, "GET", "/api/v1/admin/users?cursor=nonsense", admin, nil)
	if res.StatusCode != http.StatusBadRequest || errorCode(out) != "invalid_cursor" {
		t.Errorf("a bad cursor: %d %v", res.StatusCode, out["_raw"])
	}
	_, out = st.call(t, "GET", "/api/v1/admin/users?q=owner", admin, nil)
	u := out["users"].([]any)[0].(map[string]any)
	if u["role"] != "admin" || u["disabled"] != false || u["last_login_at"] != nil {
		t.Errorf("owner listed as %v", u)
	}
}

func TestAdminPatchUser(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	admin := st.adminToken(t)
	userID, _ := st.newUser(t, "user@example.com")
	for _, tc := range []struct {
		name, id, body string
		status         int
		code           string
	}{
		{"quota", userID, `{"quota_bytes":1000}`, 200, ""},
		{"quota back to the default", userID, `{"quota_bytes":null}`, 200, ""},
		{"negative quota", userID, `{"quota_bytes":-1}`, 400, "invalid_field"},
		{"quota not a number", userID, `{"quota_bytes":"lots"}`, 400, "invalid_field"},
		{"role", userID, `{"role":"admin"}`, 200, ""},
		{"role back", userID, `{"role":"user"}`, 200, ""},
		{"unknown role", userID, `{"role":"root"}`, 400, "invalid_field"},
		{"unknown field", userID, `{"admin":true}`, 400, "invalid_json"},
		{"unknown user", "00000000-0000-0000-0000-000000000000", `{"disabled":true}`, 404, "not_found"},
		{"malformed id", "nope", `{"disabled":true}`, 404, "not_found"},
		{"last admin demotes self", st.userID, `{"role":"user"}`, 409, "last_admin"},
		{"last admin disables self", st.userID, `{"disabled":true}`, 409, "last_admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out := st.call(t, "PATCH", "/api/v1/admin/users/"+tc.id, admin, strings.NewReader(tc.body))
			if res.StatusCode != tc.status || errorCode(out) != tc.code {
				t.Errorf("%d %v, want %d %s", res.StatusCode, out["_raw"], tc.status, tc.code)
			}
		})
	}
	_, out := st.call(t, "GET", "/api/v1/admin/audit?actor="+st.userID, admin, nil)
	var types []string
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		if ev["subject_id"] == userID {
			types = append(types, ev["type"].(string))
		}
	}
	want := "admin_role_changed,admin_role_changed,admin_quota_changed,admin_quota_changed" // newest first
	if strings.Join(types, ",") != want {
		t.Errorf("audit events %v, want %s", types, want)
	}
	if n := st.rowCount(t, "audit_events WHERE request_id = ''"); n != 0 {
		t.Errorf("%d audit events without a request id", n)
	}
}

// TestDisableUser disables a user whose token and browser session work:
// both stop at the next request, and enabling the account brings the
// token back (the session stays signed out).
func TestDisableUser(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	browser := browserSession(t, st, "correct horse battery")
	token := st.scopedToken(t, account.AllScopes, 0)
	adminID, _ := st.newUser(t, "admin@example.com")
	st.makeAdmin(t, adminID)
	_, admin, err := account.CreateTokenWith(context.Background(), st.services.DB, adminID, "admin", account.TokenOptions{Scopes: account.Scopes{account.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := st.call(t, "GET", "/api/v1/files", token, nil); res.StatusCode != 200 {
		t.Fatalf("the token before: %d", res.StatusCode)
	}
	if code := status(t, browser, "GET", st.url+"/api/v1/me", ""); code != 200 {
		t.Fatalf("the session before: %d", code)
	}
	if res, out := st.call(t, "PATCH", "/api/v1/admin/users/"+st.userID, admin, strings.NewReader(`{"disabled":true}`)); res.StatusCode != 200 || out["disabled"] != true {
		t.Fatalf("disable: %d %v", res.StatusCode, out["_raw"])
	}
	res, out := st.call(t, "GET", "/api/v1/files", token, nil)
	if res.StatusCode != http.StatusUnauthorized || errorCode(out) != "account_disabled" {
		t.Errorf("the token after: %d %v", res.StatusCode, out["_raw"])
	}
	if code := status(t, browser, "GET", st.url+"/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Errorf("the session after: %d", code)
	}
	res, out = st.call(t, "POST", "/api/v1/login", "", strings.NewReader(`{"email":"owner@example.com","password":"correct horse battery"}`))
	if res.StatusCode != http.StatusUnauthorized || errorCode(out) != "account_disabled" {
		t.Errorf("sign-in while disabled: %d %v", res.StatusCode, out["_raw"])
	}
	st.call(t, "PATCH", "/api/v1/admin/users/"+st.userID, admin, strings.NewReader(`{"disabled":false}`))
	if res, _ := st.call(t, "GET", "/api/v1/files", token, nil); res.StatusCode != 200 {
		t.Errorf("the token once enabled: %d", res.StatusCode)
	}
	if code := status(t, browser, "GET", st.url+"/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Errorf("the old session once enabled: %d, want still signed out", code)
	}
}

// TestAuditLog checks that sign-ins and token changes are recorded, and
// that a user sees only their own events.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	browserSession(t, st, "correct horse battery")
	st.call(t, "POST", "/api/v1/login", "", strings.NewReader(`{"email":"owner@example.com","password":"wrong wrong wrong"}`))
	_, created := st.call(t, "POST", "/api/v1/tokens", st.token, strings.NewReader(`{"name":"ci","scopes":["files:read"]}`))
	st.call(t, "DELETE", "/api/v1/tokens/"+created["id"].(string), st.token, nil)
	_, otherToken := st.newUser(t, "other@example.com")

	_, out := st.call(t, "GET", "/api/v1/me/audit", st.token, nil)
	var types []string
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		types = append(types, ev["type"].(string))
		if ev["actor_id"] != st.userID || ev["client"] == "" || ev["request_id"] == "" {
			t.Errorf("event %v", ev)
		}
		if strings.Contains(ev["type"].(string), "token") && ev["subject_id"] != created["id"] {
			t.Errorf("token event names %v, want %v", ev["subject_id"], created["id"])
		}
	}
	if strings.Join(types, ",") != "token_revoked,token_created,login" {
		t.Errorf("own events %v", types)
	}
	if _, out := st.call(t, "GET", "/api/v1/me/audit", otherToken, nil); len(out["events"].([]any)) != 0 {
		t.Errorf("another user sees %v", out["events"])
	}
	if n := st.rowCount(t, "users WHERE email = 'owner@example.com' AND last_login_at > now() - interval '1 minute'"); n != 1 {
		t.Error("the sign-in's time was not recorded")
	}
	if n := st.rowCount(t, "audit_events WHERE type = 'login_failed' AND actor_id IS NULL"); n != 1 {
		t.Errorf("%d failed sign-ins recorded, want 1", n)
	}
	if n := st.rowCount(t, "audit_events WHERE details::text LIKE '%wrong wrong%' OR details::text LIKE '%owner@%'"); n != 0 {
		t.Errorf("%d events hold a password or an email", n)
	}
	res, out := st.call(t, "GET", "/api/v1/me/audit?before=x", st.token, nil)
	if res.StatusCode != http.StatusBadRequest || errorCode(out) != "invalid_cursor" {
		t.Errorf("a bad before: %d %v", res.StatusCode, out["_raw"])
	}
}

// TestAuditSharing records an upload, a share's edit and end and a file's
// deletion, each in the transaction of its change.
func TestAuditSharing(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	f := st.upload(t, "a.txt", []byte("hello"), "")
	sh := shareOf(f)
	fileID, shareID := f["id"].(string), sh["id"].(string)
	st.call(t, "PATCH", "/api/v1/shares/"+shareID, st.token, strings.NewReader(`{"password":"a new one","max_downloads":3}`))
	st.call(t, "DELETE", "/api/v1/shares/"+shareID, st.token, nil)
	st.call(t, "DELETE", "/api/v1/files/"+fileID, st.token, nil)

	_, out := st.call(t, "GET", "/api/v1/me/audit", st.token, nil)
	var got []string
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		got = append(got, ev["type"].(string)+" "+ev["subject_id"].(string))
		if ev["client"] == "" || ev["request_id"] == "" {
			t.Errorf("event without client or request id: %v", ev)
		}
		if strings.Contains(ev["type"].(string), "edited") {
			if d := ev["details"].(map[string]any); d["password"] != "changed" || d["max_downloads"] != 3.0 {
				t.Errorf("edit details %v", d)
			}
		}
	}
	want := []string{"file_deleted " + fileID, "share_deleted " + shareID, "share_edited " + shareID, "share_created " + shareID, "file_uploaded " + fileID}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events\n%v, want\n%v", got, want)
	}
	if n := st.rowCount(t, "audit_events WHERE details::text LIKE '%a new one%'"); n != 0 {
		t.Error("a share password is in the audit log")
	}
}

func TestAdminStats(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	admin := st.adminToken(t)
	sh := shareOf(st.upload(t, "a.txt", []byte("hello"), ""))
	if code := st.fetch(t, pathOf(t, sh["download_url"].(string))); code != 200 {
		t.Fatalf("download: %d", code)
	}
	// The download's history row is written once the response is over.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, out := st.call(t, "GET", "/api/v1/admin/stats", admin, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%d %v", res.StatusCode, out["_raw"])
		}
		if out["users"] == 1.0 && out["files"] == 1.0 && out["bytes"] == 5.0 && out["downloads_today"] == 1.0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %v", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInvites makes invitation links with sign-up closed and uses them:
// once, before expiry, by the address they name.
func TestInvites(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil) // SIGNUP_ENABLED is false
	admin := st.adminToken(t)
	_, userToken := st.newUser(t, "user@example.com")
	invite := func(t *testing.T, body string) string {
		t.Helper()
		res, out := st.call(t, "POST", "/api/v1/admin/invites", admin, strings.NewReader(body))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("invite %s: %d %v", body, res.StatusCode, out["_raw"])
		}
		u := out["url"].(string)
		_, token, ok := strings.Cut(u, "/invite?token=")
		if !ok || !strings.HasPrefix(u, st.url) {
			t.Fatalf("invite url %q", u)
		}
		return token
	}
	accept := func(token, email string) (*http.Response, map[string]any) {
		return st.call(t, "POST", "/api/v1/invites/accept", "", strings.NewReader(`{"token":"`+token+`","email":"`+email+`","password":"correct horse battery"}`))
	}
	anyone, bound, expired := invite(t, `{}`), invite(t, `{"email":"Bound@example.com","expires_in":"1h"}`), invite(t, `{"expires_in":"2h"}`)
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE invites SET expires_at = now() - interval '1 second' WHERE expires_at < now() + interval '3 hours' AND email IS NULL"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, email string
		status             int
		code               string
	}{
		{"expired", expired, "late@example.com", 400, "invalid_invite"},
		{"for another address", bound, "other@example.com", 400, "invalid_invite"},
		{"malformed", "nope", "a@example.com", 400, "invalid_invite"},
		{"a taken address", anyone, "user@example.com", 409, "email_taken"},
		{"any address", anyone, "new@example.com", 201, ""},
		{"used twice", anyone, "again@example.com", 400, "invalid_invite"},
		{"the address it names", bound, "bound@EXAMPLE.com", 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out := accept(tc.token, tc.email)
			if res.StatusCode != tc.status || errorCode(out) != tc.code {
				t.Errorf("%d %v, want %d %s", res.StatusCode, out["_raw"], tc.status, tc.code)
			}
		})
	}
	if n := st.rowCount(t, "users WHERE email IN ('late@example.com', 'other@example.com', 'again@example.com')"); n != 0 {
		t.Errorf("%d accounts from refused invitations", n)
	}
	t.Run("made by admins only, with a sane lifetime", func(t *testing.T) {
		for _, c := range []struct {
			token, body string
			status      int
		}{{userToken, `{}`, 403}, {admin, `{"expires_in":"90d"}`, 400}, {admin, `{"expires_in":"soon"}`, 400}, {admin, `{"email":"nope"}`, 400}} {
			if res, out := st.call(t, "POST", "/api/v1/admin/invites", c.token, strings.NewReader(c.body)); res.StatusCode != c.status {
				t.Errorf("%s: %d %v, want %d", c.body, res.StatusCode, out["_raw"], c.status)
			}
		}
	})
	if n := st.rowCount(t, "audit_events WHERE type = 'admin_invite_created' AND actor_id = '"+st.userID+"'"); n != 3 {
		t.Errorf("%d invitations in the audit log, want 3", n)
	}
	t.Run("the page", func(t *testing.T) {
		token := invite(t, `{}`)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		res, err := c.PostForm(st.url+"/invite", url.Values{"token": {token}, "email": {"page@example.com"}, "password": {"correct horse battery"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/files" {
			t.Fatalf("the invitation form ended at %s (%d)", res.Request.URL, res.StatusCode)
		}
		if code := status(t, c, "GET", st.url+"/api/v1/me", ""); code != 200 {
			t.Errorf("signed in after the invitation: %d", code)
		}
		res, err = c.PostForm(st.url+"/invite", url.Values{"token": {token}, "email": {"page2@example.com"}, "password": {"correct horse battery"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("the link used again: %d", res.StatusCode)
		}
	})
}

// TestTokensPageAdminScope: the tokens page offers the admin scope to
// admins only, and a token made with it there works on the admin API.
func TestTokensPageAdminScope(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	page := func(c *http.Client) string {
		res, err := c.Get(st.url + "/tokens")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	owner := signedInAs(t, st, "owner@example.com")
	if strings.Contains(page(owner), `value="admin"`) {
		t.Error("a user is offered the admin scope")
	}
	st.makeAdmin(t, st.userID)
	if !strings.Contains(page(owner), `value="admin"`) {
		t.Fatal("an admin is not offered the admin scope")
	}
	res, err := owner.PostForm(st.url+"/tokens", url.Values{"name": {"ops"}, "scopes": {"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || st.rowCount(t, "api_tokens WHERE name = 'ops' AND scopes = '{admin}'") != 1 {
		t.Errorf("the form made no admin token: %d", res.StatusCode)
	}
}
