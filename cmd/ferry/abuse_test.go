package main

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
)

// TestAbuseBlackBox tries the abuse rules against a real `ferry web` and
// worker over Postgres, Redis, S3 and SMTP, each with many spellings of
// its attack, speaking as many client addresses through X-Forwarded-For
// (loopback is a trusted proxy here).
func TestAbuseBlackBox(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	st := newAbuseStack(t)
	t.Run("download limit against ranges", st.rangeAttack)
	t.Run("download limit against parallel clients", st.parallelAttack)
	t.Run("HEAD and conditional requests spend nothing", st.conditionalMix)
	t.Run("signup by mail tells nothing", st.signupByMail)
	t.Run("login lockout spares the owner", st.loginAttack)
	t.Run("share password lockout spares the recipient", st.sharePasswordAttack)
	t.Run("scoped tokens", st.scopedTokens)
	t.Run("signup throttles", st.signupThrottles) // last: it spends the rest of SIGNUP_RATE_TOTAL
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// rangeVariants are Range header spellings, alone or with If-Range,
// valid, odd and malformed; "" is no Range header.
func rangeVariants(size int, etag string) [][]string {
	r := func(v string) []string { return []string{"Range", v} }
	var out [][]string
	for _, v := range []string{
		"bytes=0-0", "bytes=0-", "bytes=-1", fmt.Sprintf("bytes=-%d", size), fmt.Sprintf("bytes=-%d", 2*size),
		fmt.Sprintf("bytes=0-%d", size-1), fmt.Sprintf("bytes=0-%d", 10*size), fmt.Sprintf("bytes=%d-", size/2),
		fmt.Sprintf("bytes=0-%d,%d-", size/2-1, size/2), "bytes=0-1,1-2,2-3", "bytes=0-0,-1", fmt.Sprintf("bytes=0-%d,0-%d", size-1, size-1),
		"bytes = 0-10", "BYTES=0-10", "bytes=00000-0010", "bytes=0-10,", "bytes=,0-10", "bytes=10-0", "bytes=abc",
		"bytes=-0", "items=0-10", fmt.Sprintf("bytes=%d-", size-1), fmt.Sprintf("bytes=%d-", size), "bytes=-", "bytes=0--1",
		"bytes=1-1,3-3,5-5,7-7,9-9,11-11,13-13,15-15,17-17,19-19,21-21,23-23,25-25,27-27,29-29,31-31,33-33",
	} {
		out = append(out, r(v))
	}
	out = append(out,
		[]string{"Range", "bytes=0-9", "Range", "bytes=10-"}, // two Range headers
		[]string{"Range", "bytes=0-", "If-Range", etag},
		[]string{"Range", "bytes=100-", "If-Range", `"not-the-etag"`},
		[]string{"Range", "bytes=100-", "If-Range", "Wed, 21 Oct 2015 07:28:00 GMT"},
		[]string{"Range", "bytes=100-", "If-Range", "W/" + etag},
		[]string{"If-None-Match", etag}, []string{"If-None-Match", "*"}, []string{"If-None-Match", "W/" + etag},
		[]string{"If-None-Match", `"other"`}, []string{"If-None-Match", etag, "Range", "bytes=0-"},
		nil,
	)
	return out
}

// etagOf is the ETag a HEAD of link answers, which spends nothing.
func (st *abuseStack) etagOf(t *testing.T, link string) string {
	t.Helper()
	a := st.call(t, "198.51.100.1", "HEAD", link, nil)
	if a.status != 200 || a.header.Get("ETag") == "" {
		t.Fatalf("HEAD %s: %d, ETag %q", link, a.status, a.header.Get("ETag"))
	}
	return a.header.Get("ETag")
}

// rangeAttack sends every variant, twice over in two orders, at a
// max_downloads=1 share, and counts the whole copies served.
func (st *abuseStack) rangeAttack(t *testing.T) {
	const size = 100_000
	content := randomBytes(t, size)
	link := st.upload(t, "ranges.bin", "?max_downloads=1", content)
	variants := rangeVariants(size, st.etagOf(t, link))
	c := newTally(content)
	statuses := map[int]int{}
	for round := range 2 {
		order := slices.Clone(variants)
		if round == 1 {
			slices.Reverse(order)
		}
		for _, h := range order {
			a := st.call(t, "198.51.100.2", "GET", link, nil, h...)
			c.add(t, a)
			statuses[a.status]++
		}
	}
	whole, ratio := c.copies()
	t.Logf("max_downloads=1, %d range variants x 2 orders: %d whole copies, %.2f copies of bytes served; statuses %v", len(variants), whole, ratio, statuses)
	if whole > 1 || ratio > 1.25 || c.wrong > 0 {
		t.Errorf("served %d whole copies, %.2f of the bytes, %d wrong bytes; want at most 1, 1.25 (a resumed download's allowance), 0", whole, ratio, c.wrong)
	}
	for _, s := range []int{500, 502, 503} {
		if statuses[s] > 0 {
			t.Errorf("%d answers %d", statuses[s], s)
		}
	}
}

// parallelAttack sends 48 clients at once, each with a variant, at fresh
// max_downloads=1 shares, three times over.
func (st *abuseStack) parallelAttack(t *testing.T) {
	const size = 256 << 10
	for round := range 3 {
		content := randomBytes(t, size)
		link := st.upload(t, fmt.Sprintf("parallel-%d.bin", round), "?max_downloads=1", content)
		variants := rangeVariants(size, st.etagOf(t, link))
		c := newTally(content)
		var wg sync.WaitGroup
		for i := range 48 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := variants[(i*7+round)%len(variants)]
				if i%3 == 0 {
					h = nil // plain GETs race the ranges
				}
				c.add(t, st.call(t, fmt.Sprintf("203.0.113.%d", i), "GET", link, nil, h...))
			}()
		}
		wg.Wait()
		whole, ratio := c.copies()
		t.Logf("round %d: 48 parallel clients: %d whole copies, %.2f copies of bytes served", round, whole, ratio)
		if whole > 1 || ratio > 1.25 || c.wrong > 0 {
			t.Errorf("round %d: %d whole copies, %.2f of the bytes, %d wrong bytes", round, whole, ratio, c.wrong)
		}
	}
}

// conditionalMix: HEADs, 304s and refused ranges leave the one download
// whole for the recipient, and a spent share serves nothing.
func (st *abuseStack) conditionalMix(t *testing.T) {
	content := randomBytes(t, 50_000)
	link := st.upload(t, "mix.bin", "?max_downloads=1", content)
	etag := st.etagOf(t, link)
	for i := range 10 {
		for _, h := range [][]string{nil, {"If-None-Match", etag}, {"If-None-Match", "*"}, {"Range", "bytes=60000-"}} {
			method := "GET"
			if h == nil {
				method = "HEAD"
			}
			a := st.call(t, fmt.Sprintf("198.51.100.%d", 10+i), method, link, nil, h...)
			if a.status >= 200 && a.status < 300 && method == "GET" {
				t.Fatalf("%v answered %d with %d bytes", h, a.status, len(a.body))
			}
		}
	}
	a := st.call(t, "198.51.100.30", "GET", link, nil)
	if a.status != 200 || string(a.body) != string(content) {
		t.Fatalf("the download after the mix: %d, %d bytes", a.status, len(a.body))
	}
	for _, h := range [][]string{nil, {"Range", "bytes=0-0"}, {"Range", "bytes=-1"}, {"If-Range", etag, "Range", "bytes=0-"}} {
		if a := st.call(t, "198.51.100.31", "GET", link, nil, h...); a.status != 410 {
			t.Errorf("spent share, %v: %d, want 410", h, a.status)
		}
	}
}

// signupByMail: a known and a new address get the same answer in about
// the same time, each the right mail; the new one has no account until
// its link is used, once.
func (st *abuseStack) signupByMail(t *testing.T) {
	var known, fresh []time.Duration
	var answers []string
	for i := range 6 {
		emails := []string{"op@example.com", fmt.Sprintf("new%d@example.com", i)}
		if i%2 == 1 {
			slices.Reverse(emails) // neither goes always first
		}
		for _, email := range emails {
			begin := time.Now()
			a := st.postJSON(t, fmt.Sprintf("192.0.2.%d", 100+i), "/api/v1/signup", map[string]string{"email": email, "password": "a long password 2"})
			took := time.Since(begin)
			if a.status != 202 {
				t.Fatalf("signup %s: %d %s", email, a.status, a.body)
			}
			answers = append(answers, string(a.body))
			if email == "op@example.com" {
				known = append(known, took)
			} else {
				fresh = append(fresh, took)
			}
		}
	}
	if u := slices.Compact(slices.Clone(answers)); len(u) != 1 {
		t.Errorf("answers differ: %q", u)
	}
	mk, mf := median(known), median(fresh)
	t.Logf("signup by mail: median %v for a known address, %v for a new one", mk, mf)
	if mk > 2*mf || mf > 2*mk {
		t.Errorf("a known address takes %v, a new one %v: timing tells them apart", mk, mf)
	}
	// One mail per address in ten minutes (two if the period turns
	// meanwhile): six notices would let sign-ups flood a mailbox.
	eventually(t, "7 signup mails", 20*time.Second, func() bool { return st.mail.Count() >= 7 })
	time.Sleep(time.Second) // a seventh notice, were one queued, would be sent by now
	all := st.mail.All()
	if n := mailTo(all, "op@example.com", "Subject: Someone tried to sign up"); n < 1 || n > 2 {
		t.Errorf("%d notices to the known address after 6 sign-ups, want 1 (2 across a period)", n)
	}
	token := mailLink(all, "new0@example.com")
	if token == "" || mailLink(all, "op@example.com") != "" {
		t.Fatalf("no link to new0, or a link to the known address:\n%s", all)
	}
	creds := map[string]string{"email": "new0@example.com", "password": "a long password 2"}
	if a := st.postJSON(t, "192.0.2.120", "/api/v1/login", creds); a.status != 401 || a.code() != "wrong_credentials" {
		t.Errorf("login before the link: %d %s, want 401 wrong_credentials", a.status, a.body)
	}
	// The link makes the account only with the sign-up's password, so the
	// owner of a mailbox who follows a stranger's sign-up cannot end up
	// in an account whose password the stranger chose.
	for _, wrong := range []string{"", "a long password", "A LONG PASSWORD 2"} {
		if a := st.postJSON(t, "192.0.2.120", "/api/v1/signup/confirm", map[string]string{"token": token, "password": wrong}); a.status != 401 || a.code() != "wrong_password" {
			t.Errorf("confirm with %q: %d %s, want 401 wrong_password", wrong, a.status, a.body)
		}
	}
	withPassword := map[string]string{"token": token, "password": "a long password 2"}
	if a := st.postJSON(t, "192.0.2.120", "/api/v1/signup/confirm", withPassword); a.status != 201 {
		t.Fatalf("confirm: %d %s", a.status, a.body)
	}
	if a := st.postJSON(t, "192.0.2.120", "/api/v1/signup/confirm", withPassword); a.status != 400 || a.code() != "invalid_confirmation" {
		t.Errorf("second use of the link: %d %s", a.status, a.body)
	}
	if a := st.postJSON(t, "192.0.2.120", "/api/v1/login", creds); a.status != 200 {
		t.Errorf("login after the link: %d %s", a.status, a.body)
	}
	if a := st.postJSON(t, "192.0.2.121", "/api/v1/login", map[string]string{"email": "op@example.com", "password": "a long password"}); a.status != 200 {
		t.Errorf("the known account's password after sign-ups with its address: %d %s", a.status, a.body)
	}
	st.signupPages(t)
}

// signupPages: the sign-up form answers as the API does, and the link's
// page asks for the sign-up's password, then makes the account and signs
// in.
func (st *abuseStack) signupPages(t *testing.T) {
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	a := st.call(t, "192.0.2.130", "POST", "/signup", []byte("email=page%40example.com&password=a+long+password+4"), form...)
	if a.status != 202 || !strings.Contains(string(a.body), "link to finish signing up") {
		t.Fatalf("sign-up form: %d %s", a.status, a.body)
	}
	eventually(t, "the page's mail", 20*time.Second, func() bool { return mailLink(st.mail.All(), "page@example.com") != "" })
	token := mailLink(st.mail.All(), "page@example.com")
	if a := st.call(t, "192.0.2.130", "GET", "/signup/confirm?token="+token, nil); a.status != 200 || !strings.Contains(string(a.body), `value="`+token+`"`) {
		t.Errorf("the link's page: %d %s", a.status, a.body)
	}
	if a := st.call(t, "192.0.2.130", "POST", "/signup/confirm", []byte("token=nonsense"), form...); a.status != 400 {
		t.Errorf("the page with a bad link: %d", a.status)
	}
	a = st.call(t, "192.0.2.130", "POST", "/signup/confirm", []byte("token="+token+"&password=not+the+one"), form...)
	if a.status != 401 || !strings.Contains(string(a.body), `value="`+token+`"`) || !strings.Contains(string(a.body), "not the password") {
		t.Errorf("the page with a wrong password: %d, want 401 and the form again:\n%s", a.status, a.body)
	}
	a = st.call(t, "192.0.2.130", "POST", "/signup/confirm", []byte("token="+token+"&password=a+long+password+4"), form...)
	if a.status != 303 || a.header.Get("Location") != "/files" || !strings.Contains(a.header.Get("Set-Cookie"), "session") {
		t.Errorf("the page's button: %d, Location %q, Set-Cookie %q", a.status, a.header.Get("Location"), a.header.Get("Set-Cookie"))
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// loginAttack: wrong passwords at one account from 40 networks and from
// one rotating IPv6 /64 are throttled, and the owner, from a clean
// address, signs in.
func (st *abuseStack) loginAttack(t *testing.T) {
	bad := map[string]string{"email": "op@example.com", "password": "not the password"}
	refused := 0
	for n := range 40 {
		for range 6 {
			if a := st.postJSON(t, fmt.Sprintf("10.20.%d.1", n), "/api/v1/login", bad); a.status == 429 {
				refused++
				if a.header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			} else if a.status != 401 {
				t.Errorf("wrong password: %d %s", a.status, a.body)
			}
		}
	}
	rotated := map[int]int{}
	for i := range 30 {
		a := st.postJSON(t, fmt.Sprintf("2001:db8:77:1::%x", i+1), "/api/v1/login", bad)
		rotated[a.status]++
	}
	t.Logf("login: %d of 240 guesses from 40 networks refused with 429; one /64 rotating addresses: %v", refused, rotated)
	// 5 free failures for each of the first 20 networks fill the account's
	// cap of 100; each network after gets the one try of a clean group.
	if refused < 100 || rotated[401] > 5 {
		t.Errorf("guesses not throttled: %d refused; the /64 got %d wrong-password answers, want at most 5", refused, rotated[401])
	}
	good := map[string]string{"email": "OP@example.com ", "password": "a long password"}
	if a := st.postJSON(t, "192.0.2.200", "/api/v1/login", good); a.status != 200 {
		t.Errorf("the owner from a clean address: %d %s, want 200", a.status, a.body)
	}
}

// sharePasswordAttack: strangers' wrong guesses at a share's password,
// from many networks and one rotating /64, do not lock out the
// recipient, who downloads from a clean address.
func (st *abuseStack) sharePasswordAttack(t *testing.T) {
	content := randomBytes(t, 10_000)
	link := st.upload(t, "secret.bin", "", content, "Ferry-Share-Password", "open sesame 12345")
	counts := map[int]int{}
	for n := range 30 {
		for g := range 8 {
			a := st.call(t, fmt.Sprintf("10.30.%d.9", n), "GET", link, nil, "Ferry-Share-Password", fmt.Sprintf("guess %d", g))
			counts[a.status]++
		}
	}
	for i := range 30 {
		a := st.call(t, fmt.Sprintf("2001:db8:88:1::%x", i+1), "GET", link, nil, "Ferry-Share-Password", "guess")
		counts[a.status]++
	}
	t.Logf("share password: 270 wrong guesses answered %v", counts)
	// Each network gets its 5 free failures, the /64 its 5 as one group.
	if counts[200] > 0 || counts[401] > 31*5 || counts[429] < 270-31*5 {
		t.Errorf("wrong guesses answered %v: want no 200 and at most 5 wrong-password answers per group", counts)
	}
	a := st.call(t, "192.0.2.210", "GET", link, nil, "Ferry-Share-Password", "open sesame 12345")
	if a.status != 200 || string(a.body) != string(content) {
		t.Errorf("the recipient from a clean address: %d, %d bytes", a.status, len(a.body))
	}
}

// scopedTokens: a read-only token is refused everything else, and a
// revoked one everything.
func (st *abuseStack) scopedTokens(t *testing.T) {
	auth := []string{"Authorization", "Bearer " + st.token}
	a := st.postJSON(t, "", "/api/v1/tokens", map[string]any{"name": "ro", "scopes": []string{"files:read"}}, auth...)
	if a.status != 201 {
		t.Fatalf("create token: %d %s", a.status, a.body)
	}
	tok := decode[struct{ ID, Token string }](t, "token", a.body)
	suite.Secret("API token", tok.Token)
	ro := []string{"Authorization", "Bearer " + tok.Token}
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/v1/files", "", 200},
		{"GET", "/api/v1/me", "", 200},
		{"POST", "/api/v1/tokens", `{"name":"more"}`, 403},
		{"GET", "/api/v1/tokens", "", 403},
		{"POST", "/api/v1/me/password", `{"current_password":"a long password","new_password":"another long one"}`, 403},
		{"POST", "/api/v1/me/sessions/revoke", "", 403},
		{"PUT", "/api/v1/files/x.txt", "x", 403},
		{"POST", "/api/v1/shares", `{"file_ids":[]}`, 403},
		{"DELETE", "/api/v1/tokens/" + tok.ID, "", 403},
		{"POST", "/api/v1/uploads", "", 403},
		{"GET", "/files", "", 403},
	} {
		a := st.call(t, "", c.method, c.path, []byte(c.body), append(ro, "Content-Type", "application/json", "Tus-Resumable", "1.0.0", "Upload-Length", "1")...)
		if a.status != c.want || (c.want == 403 && c.path != "/files" && a.code() != "insufficient_scope") {
			t.Errorf("read-only token, %s %s: %d %s, want %d", c.method, c.path, a.status, a.body, c.want)
		}
	}
	if a := st.call(t, "", "DELETE", "/api/v1/tokens/"+tok.ID, nil, auth...); a.status != 204 {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	if a := st.call(t, "", "GET", "/api/v1/files", nil, ro...); a.status != 401 {
		t.Errorf("revoked token: %d, want 401", a.status)
	}
}

// signupThrottles: one IPv6 /64 with a fresh address per request is one
// client (SIGNUP_RATE_CLIENT), and addresses from everywhere share
// SIGNUP_RATE_TOTAL.
func (st *abuseStack) signupThrottles(t *testing.T) {
	body := func(i int) map[string]string {
		return map[string]string{"email": fmt.Sprintf("spray%d@example.com", i), "password": "a long password 3"}
	}
	counts := map[int]int{}
	for i := range 12 {
		counts[st.postJSON(t, fmt.Sprintf("2001:db8:99:1::%x", i+1), "/api/v1/signup", body(i)).status]++
	}
	if counts[202] != 5 || counts[429] != 7 {
		t.Errorf("one /64: %v, want 5 taken and 7 refused", counts)
	}
	spray := map[int]int{}
	for i := range 60 {
		a := st.postJSON(t, fmt.Sprintf("10.40.%d.%d", i/200, i%200+1), "/api/v1/signup", body(100+i))
		spray[a.status]++
		if a.status == 429 && a.code() != "rate_limited" {
			t.Errorf("429 %s", a.body)
		}
	}
	// 13 signups by mail and these 5 came before: the total left is 22,
	// and one more may have dripped back in (40 an hour is one per 90 s).
	t.Logf("signup: one rotating /64 %v; 60 addresses %v (SIGNUP_RATE_TOTAL=%d)", counts, spray, signupTotal)
	if left := signupTotal - 13 - 5; spray[202] < left || spray[202] > left+1 {
		t.Errorf("60 addresses: %v, want %d taken", spray, left)
	}
}
