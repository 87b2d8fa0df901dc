package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// signedInAs signs email in through the form and returns the browser-like
// client holding its session.
func signedInAs(t *testing.T, st *stack, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(st.url+"/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/account"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/account" {
		t.Fatalf("sign in of %s ended at %s (%d)", email, res.Request.URL, res.StatusCode)
	}
	return c
}

// TestBrowserAdminDisable: an admin disables a user on the admin page in
// Chromium; the user's token and browser session stop at once, and the
// audit log on the page shows it.
func TestBrowserAdminDisable(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	st.makeAdmin(t, st.userID)
	userID, userToken := st.newUser(t, "user@example.com")
	session := signedInAs(t, st, "user@example.com")
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)

	row := `tr[data-user="user@example.com"]`
	do(t, ctx, "admin page", chromedp.Navigate(st.url+"/admin"), chromedp.WaitVisible(row))
	screenshot(t, ctx, "admin")
	do(t, ctx, "disable", chromedp.Click(row+` button[value=disable]`))
	waitFor(t, ctx, `document.querySelector('`+row+` button[value=enable]') !== null`)
	if state := eval[string](t, ctx, `document.querySelector('`+row+` td[data-label=State]').textContent`); state != "disabled" {
		t.Errorf("state shown: %q", state)
	}
	if !eval[bool](t, ctx, `[...document.querySelectorAll('td[data-label=Type] code')].some(c => c.textContent === "admin_user_disabled")`) {
		t.Error("the audit log on the page does not show the disabling")
	}
	screenshot(t, ctx, "admin-disabled")

	if res, out := st.call(t, "GET", "/api/v1/files", userToken, nil); res.StatusCode != http.StatusUnauthorized || errorCode(out) != "account_disabled" {
		t.Errorf("the user's token: %d %v", res.StatusCode, out["_raw"])
	}
	if code := status(t, session, "GET", st.url+"/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Errorf("the user's session: %d", code)
	}
	if n := st.rowCount(t, "audit_events WHERE type = 'admin_user_disabled' AND subject_id = '"+userID+"' AND actor_id = '"+st.userID+"'"); n != 1 {
		t.Errorf("%d audit events of the disabling", n)
	}

	do(t, ctx, "enable", chromedp.Click(row+` button[value=enable]`))
	waitFor(t, ctx, `document.querySelector('`+row+` button[value=disable]') !== null`)
	if res, _ := st.call(t, "GET", "/api/v1/files", userToken, nil); res.StatusCode != 200 {
		t.Errorf("the user's token once enabled: %d", res.StatusCode)
	}
}

// TestAdminPageRefused: the admin page and its buttons are for admins.
func TestAdminPageRefused(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	userID, _ := st.newUser(t, "user@example.com")
	owner := signedInAs(t, st, "owner@example.com")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/admin", ""},
		{"POST", "/admin/users/" + userID, "action=disable"},
	} {
		req, _ := http.NewRequest(tc.method, st.url+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := owner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s by a user: %d, want 403", tc.method, tc.path, res.StatusCode)
		}
	}
	st.makeAdmin(t, st.userID)
	everyScope := st.scopedToken(t, nil, 0)
	if res, _ := st.call(t, "GET", "/admin", everyScope, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an admin's token without the admin scope: %d, want 403", res.StatusCode)
	}
	if n := st.rowCount(t, "users WHERE disabled_at IS NOT NULL"); n != 0 {
		t.Errorf("%d users disabled", n)
	}
}
