package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

func TestSignupDisabled(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	res, out := st.call(t, "POST", "/api/v1/signup", "", strings.NewReader(`{"email":"x@example.com","password":"long enough pw"}`))
	if res.StatusCode != 403 {
		t.Errorf("signup while disabled: %d %v", res.StatusCode, out["_raw"])
	}
}

func TestAccountFlow(t *testing.T) {
	t.Parallel()
	st := newStack(t, func(s *Settings) { s.SignupEnabled, s.SignupRateClient = true, 20 })
	post := func(c *http.Client, path, body string, headers ...string) *http.Response {
		req, _ := http.NewRequest("POST", st.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	c := &http.Client{Jar: newJar(t)}
	creds := `{"email":"New@Example.com","password":"long enough pw"}`
	for _, tt := range []struct {
		body string
		want int
	}{
		{creds, 201},
		{`{"email":"new@example.com","password":"long enough pw"}`, 409},
		{`{"email":"a@b.c","password":"short"}`, 400},
		{`{"email":"not an email","password":"long enough pw"}`, 400},
		{`{"email":"a@b.c","password":"long enough pw","admin":true}`, 400},
		{`{`, 400},
	} {
		if res := post(c, "/api/v1/signup", tt.body); res.StatusCode != tt.want {
			t.Errorf("signup %s: %d, want %d", tt.body, res.StatusCode, tt.want)
		}
	}
	if res := post(c, "/api/v1/login", `{"email":"new@example.com","password":"wrong password"}`); res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if res, out := st.call(t, "POST", "/api/v1/login", "", strings.NewReader(creds), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.StatusCode != 403 || errorCode(out) != "cross_origin" {
		t.Errorf("cross-origin login: %d %v, want 403 cross_origin", res.StatusCode, out["_raw"])
	}
	before := sessionCookie(c, st.url)
	res := post(c, "/api/v1/login", creds)
	after := sessionCookie(c, st.url)
	if res.StatusCode != 200 || after == "" || after == before {
		t.Errorf("login: %d, cookie %q (before %q)", res.StatusCode, after, before)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "ferry_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie flags: %+v", ck)
		}
	}
	me, err := c.Get(st.url + "/api/v1/me")
	if err != nil || me.StatusCode != 200 {
		t.Fatalf("me: %v %v", me.StatusCode, err)
	}
	me.Body.Close()
	if res := post(c, "/api/v1/logout", ""); res.StatusCode != 204 {
		t.Errorf("logout: %d", res.StatusCode)
	}
	if me, _ := c.Get(st.url + "/api/v1/me"); me.StatusCode != 401 {
		t.Errorf("me after logout: %d", me.StatusCode)
	}
}

func sessionCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "ferry_session" {
			return ck.Value
		}
	}
	return ""
}

func TestTokens(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	res, out := st.call(t, "POST", "/api/v1/tokens", st.token, strings.NewReader(`{"name":"laptop"}`))
	if res.StatusCode != 201 || !strings.HasPrefix(out["token"].(string), "ferry_") {
		t.Fatalf("create token: %d %v", res.StatusCode, out["_raw"])
	}
	fresh, id := out["token"].(string), out["id"].(string)
	if res, _ := st.call(t, "GET", "/api/v1/me", fresh, nil); res.StatusCode != 200 {
		t.Errorf("new token refused: %d", res.StatusCode)
	}
	_, list := st.call(t, "GET", "/api/v1/tokens", st.token, nil)
	if strings.Contains(list["_raw"].(string), fresh) {
		t.Errorf("token list shows a secret")
	}
	if res, _ := st.call(t, "DELETE", "/api/v1/tokens/"+id, st.token, nil); res.StatusCode != 204 {
		t.Errorf("revoke: %d", res.StatusCode)
	}
	if res, _ := st.call(t, "GET", "/api/v1/me", fresh, nil); res.StatusCode != 401 {
		t.Errorf("revoked token still works: %d", res.StatusCode)
	}
}
