package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/account"
)

// TestRouteScopes holds apiScopes to apiRoutes: every API route declares
// the scope a token needs, and the table names no route that is not served.
func TestRouteScopes(t *testing.T) {
	t.Parallel()
	routes := APIRoutes()
	for _, route := range routes {
		if _, ok := apiScopes[route]; !ok {
			t.Errorf("%s: no scope in apiScopes", route)
		}
	}
	for route, sc := range apiScopes {
		if !slices.Contains(routes, route) {
			t.Errorf("apiScopes names %s, which is not served", route)
		}
		if sc != anyScope && sc != account.ScopeAdmin && !slices.Contains(account.AllScopes, sc) {
			t.Errorf("%s needs %q, which is no scope", route, sc)
		}
	}
}

// scopeRequest is a request to route that passes authentication, with
// its wildcards filled in and a body it may take.
func scopeRequest(route string) (method, path, body string) {
	method, path, _ = strings.Cut(route, " ")
	path = strings.NewReplacer("{name}", "scoped.txt", "{id}", "3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab").Replace(path)
	switch {
	case method == "PUT":
		body = "hello"
	case method == "POST" && path == "/api/v1/files":
		body = "" // not multipart: a 400 once past authentication
	case method == "POST":
		body = "{}"
	}
	return method, path, body
}

// scopedToken makes a token of the stack's user with scopes.
func (st *stack) scopedToken(t *testing.T, scopes account.Scopes, expiresIn time.Duration) string {
	t.Helper()
	_, plain, err := account.CreateTokenWith(context.Background(), st.services.DB, st.userID, "scoped", account.TokenOptions{Scopes: scopes, ExpiresIn: expiresIn})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// TestTokenScopes calls every API route that takes a token with a token
// lacking the route's scope (403 insufficient_scope), with one holding
// only that scope, and with a token made before scopes existed (both
// past authentication, whatever the route then answers).
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	st.makeAdmin(t, st.userID) // so that the admin routes get past the role
	lacking, only := map[account.Scope]string{}, map[account.Scope]string{}
	for _, sc := range append(slices.Clone(account.AllScopes), account.ScopeAdmin) {
		rest := slices.DeleteFunc(slices.Clone(account.AllScopes), func(o account.Scope) bool { return o == sc })
		lacking[sc], only[sc] = st.scopedToken(t, rest, 0), st.scopedToken(t, account.Scopes{sc}, 0)
	}
	legacy := st.scopedToken(t, nil, 0)
	markLegacy(t, st, legacy)

	for _, route := range APIRoutes() {
		need := apiScopes[route]
		if need == anyScope {
			continue
		}
		method, path, body := scopeRequest(route)
		cases := []struct {
			name, token string
			refused     bool
		}{
			{"lacking " + string(need), lacking[need], true},
			{"only " + string(need), only[need], false},
			{"made before scopes", legacy, need == account.ScopeAdmin}, // admin is never implied
		}
		for _, tc := range cases {
			t.Run(route+"/"+tc.name, func(t *testing.T) {
				res, out := st.call(t, method, path, tc.token, strings.NewReader(body))
				refused := res.StatusCode == http.StatusForbidden && (errorCode(out) == "insufficient_scope" || method == http.MethodHead)
				if refused != tc.refused || errorCode(out) == "unauthorized" {
					t.Errorf("%d %v; want refused %v", res.StatusCode, out["_raw"], tc.refused)
				}
				if refused && method != http.MethodHead && !strings.Contains(out["_raw"].(string), string(need)) {
					t.Errorf("the refusal does not name the scope: %v", out["_raw"])
				}
			})
		}
	}
	t.Run("any token may ask whose it is", func(t *testing.T) {
		if res, out := st.call(t, "GET", "/api/v1/me", only[account.ScopeFilesRead], nil); res.StatusCode != 200 {
			t.Errorf("GET /api/v1/me: %d %v", res.StatusCode, out["_raw"])
		}
	})
	t.Run("pages need every scope", func(t *testing.T) {
		for _, path := range []string{"/tokens", "/files", "/account"} {
			if res, _ := st.call(t, "GET", path, lacking[account.ScopeAccount], nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s with a token lacking account: %d, want 403", path, res.StatusCode)
			}
		}
		res, _ := st.call(t, "POST", "/tokens", lacking[account.ScopeAccount], strings.NewReader("name=x"), "Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusForbidden || st.rowCount(t, "api_tokens WHERE name = 'x'") != 0 {
			t.Errorf("the token form minted a token for a token lacking account: %d", res.StatusCode)
		}
	})
}

// markLegacy makes the token plain look like one made before scopes
// existed: no scopes stored, no expiry.
func markLegacy(t *testing.T, st *stack, plain string) {
	t.Helper()
	_, tok, err := account.AuthenticateToken(context.Background(), st.services.DB, plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE api_tokens SET scopes = NULL, expires_at = NULL WHERE id = $1", tok.ID); err != nil {
		t.Fatal(err)
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	live, dead := st.scopedToken(t, nil, time.Hour), st.scopedToken(t, nil, time.Hour)
	_, tok, err := account.AuthenticateToken(context.Background(), st.services.DB, dead)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.services.DB.Exec(context.Background(), "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", tok.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ := st.call(t, "GET", "/api/v1/me", live, nil); res.StatusCode != 200 {
		t.Errorf("live token: %d", res.StatusCode)
	}
	res, out := st.call(t, "GET", "/api/v1/me", dead, nil)
	if res.StatusCode != 401 || errorCode(out) != "token_expired" {
		t.Errorf("expired token: %d %v, want 401 token_expired", res.StatusCode, out["_raw"])
	}
}

func TestCreateScopedToken(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	tests := []struct {
		name, body string
		status     int
		code       string
		scopes     []any
		expires    bool
	}{
		{"every scope by default", `{"name":"all"}`, 201, "", []any{"files:read", "files:write", "files:delete", "shares:write", "requests:write", "account"}, false},
		{"scoped and expiring", `{"name":"ci","scopes":["files:write","files:read"],"expires_in":"7d"}`, 201, "", []any{"files:write", "files:read"}, true},
		{"minutes", `{"name":"m","scopes":["account"],"expires_in":"90m"}`, 201, "", []any{"account"}, true},
		{"unknown scope", `{"name":"x","scopes":["files:read","root"]}`, 400, "invalid_field", nil, false},
		{"no scope", `{"name":"x","scopes":[]}`, 400, "invalid_field", nil, false},
		{"bad expiry", `{"name":"x","expires_in":"soon"}`, 400, "invalid_field", nil, false},
		{"scopes not a list", `{"name":"x","scopes":"account"}`, 400, "invalid_json", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, out := st.call(t, "POST", "/api/v1/tokens", st.token, strings.NewReader(tc.body))
			if res.StatusCode != tc.status || errorCode(out) != tc.code {
				t.Fatalf("%d %v, want %d %s", res.StatusCode, out["_raw"], tc.status, tc.code)
			}
			if tc.status != 201 {
				return
			}
			if got, _ := out["scopes"].([]any); !slices.Equal(got, tc.scopes) {
				t.Errorf("scopes %v, want %v", got, tc.scopes)
			}
			if (out["expires_at"] != nil) != tc.expires {
				t.Errorf("expires_at %v, want set %v", out["expires_at"], tc.expires)
			}
		})
	}
	_, list := st.call(t, "GET", "/api/v1/tokens", st.token, nil)
	raw := list["_raw"].(string)
	if !strings.Contains(raw, `"scopes":["files:write","files:read"]`) || !strings.Contains(raw, `"expires_at":null`) || strings.Count(raw, `"expires_at":"`) != 2 {
		t.Errorf("token list lacks scopes or expiry: %s", raw)
	}
}

// TestTokensPage makes tokens through the form, as a browser without
// JavaScript would: every scope is ticked by default, the picked scopes
// and lifetime are kept, and a form with no scope ticked is refused.
func TestTokensPage(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	c := browserSession(t, st, "correct horse battery")
	page := func(t *testing.T, res *http.Response) string {
		t.Helper()
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	res, err := c.Get(st.url + "/tokens")
	if err != nil {
		t.Fatal(err)
	}
	body := page(t, res)
	if n := strings.Count(body, `name="scopes"`); n != len(account.AllScopes) || strings.Count(body, " checked") != n {
		t.Errorf("the form offers %d scopes, checked %d; want all %d checked", n, strings.Count(body, " checked"), len(account.AllScopes))
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"scoped and expiring", url.Values{"name": {"ci"}, "scopes": {"files:read", "files:write"}, "expires_in": {"30d"}}, 200, "New token “ci”"},
		{"no scope", url.Values{"name": {"none"}, "expires_in": {""}}, 400, "Scopes must be some of"},
		{"unknown scope", url.Values{"name": {"bad"}, "scopes": {"root"}}, 400, "Scopes must be some of"},
		{"bad expiry", url.Values{"name": {"bad"}, "scopes": {"account"}, "expires_in": {"soon"}}, 400, "Expires_in must be a duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.PostForm(st.url+"/tokens", tc.form)
			if err != nil {
				t.Fatal(err)
			}
			body := page(t, res)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d, want %d with %q", res.StatusCode, tc.status, tc.want)
			}
		})
	}
	_, list := st.call(t, "GET", "/api/v1/tokens", st.token, nil)
	if raw := list["_raw"].(string); strings.Count(raw, `"name":"ci","scopes":["files:read","files:write"]`) != 1 || strings.Contains(raw, `"none"`) || strings.Contains(raw, `"bad"`) {
		t.Errorf("tokens after the form: %s", raw)
	}
	res, err = c.Get(st.url + "/tokens")
	if err != nil {
		t.Fatal(err)
	}
	if body := page(t, res); !strings.Contains(body, "<code>files:read</code>, <code>files:write</code>") || !strings.Contains(body, "expires ") {
		t.Errorf("the list does not show the token's scopes and expiry")
	}
}
