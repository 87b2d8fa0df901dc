package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ferryhq/ferry/internal/account"
)

// behindProxy is a stack whose test client counts as a trusted proxy, so
// each request names its client in X-Forwarded-For: many addresses from
// one test, as a botnet or a crowd of phones would be.
func behindProxy(t *testing.T, tweak func(*Settings)) *stack {
	t.Helper()
	return newStack(t, func(s *Settings) {
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		if tweak != nil {
			tweak(s)
		}
	})
}

// attempt is one request from client (an X-Forwarded-For address).
type attempt struct {
	status     int
	retryAfter int
	code       string
}

func (st *stack) from(t *testing.T, client, method, path, body string, headers ...string) attempt {
	t.Helper()
	res, out := st.call(t, method, path, "", strings.NewReader(body), append([]string{"X-Forwarded-For", client, "Content-Type", "application/json"}, headers...)...)
	ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	return attempt{status: res.StatusCode, retryAfter: ra, code: errorCode(out)}
}

// inParallel runs n calls of fn at once and returns their answers in order.
func inParallel(n int, fn func(i int) attempt) []attempt {
	out := make([]attempt, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = fn(i) })
	}
	wg.Wait()
	return out
}

func count(as []attempt, status int) int {
	n := 0
	for _, a := range as {
		if a.status == status {
			n++
		}
	}
	return n
}

func loginBody(email, password string) string {
	return fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
}

const rightPassword = "correct horse battery" // newUser's

// TestSignupLimits: signups are limited per client group and overall, and
// a refusal is a 429 with Retry-After before anything is hashed.
func TestSignupLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		clients func(i int) string
		tries   int
		total   int // SIGNUP_RATE_TOTAL
		allowed int
	}{
		{"one ipv4 address", func(int) string { return "198.51.100.7" }, 12, 100, 5},
		{"one ipv6 /64, many addresses", func(i int) string { return fmt.Sprintf("2001:db8:5:6:%x::1", i+1) }, 12, 100, 5},
		{"mapped ipv4 is ipv4", func(i int) string { return []string{"::ffff:198.51.100.8", "198.51.100.8"}[i%2] }, 12, 100, 5},
		{"many addresses, overall cap", func(i int) string { return fmt.Sprintf("203.0.%d.%d", i/200, i%200+1) }, 40, 25, 25},
		{"many /64s, overall cap", func(i int) string { return fmt.Sprintf("2001:db8:%x::1", i+1) }, 40, 25, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := behindProxy(t, func(s *Settings) { s.SignupEnabled, s.SignupRateTotal = true, tt.total })
			got := inParallel(tt.tries, func(i int) attempt {
				return st.from(t, tt.clients(i), "POST", "/api/v1/signup", loginBody(fmt.Sprintf("user%d@example.com", i), rightPassword))
			})
			if n := count(got, 201); n != tt.allowed {
				t.Errorf("%d signups created, want %d: %v", n, tt.allowed, got)
			}
			for _, a := range got {
				if a.status == 429 && (a.retryAfter < 1 || a.code != "rate_limited") {
					t.Errorf("refusal %+v lacks Retry-After or rate_limited", a)
				}
				if a.status != 201 && a.status != 429 {
					t.Errorf("unexpected answer %+v", a)
				}
			}
		})
	}
	t.Run("the form is limited too", func(t *testing.T) {
		t.Parallel()
		st := behindProxy(t, func(s *Settings) { s.SignupEnabled = true })
		var last attempt
		for i := range 6 {
			last = st.from(t, "198.51.100.9", "POST", "/signup", fmt.Sprintf("email=f%d%%40example.com&password=short", i), "Content-Type", "application/x-www-form-urlencoded")
		}
		if last.status != 429 || last.retryAfter < 1 {
			t.Errorf("6th signup form from one client: %+v, want a 429 page with Retry-After", last)
		}
	})
}

// TestSignupRevealsTakenEmail pins the documented answer: without mail
// verification signup says 409 email_taken for an address with an
// account, in whatever case or spacing, and so is limited hard.
func TestSignupRevealsTakenEmail(t *testing.T) {
	t.Parallel()
	st := behindProxy(t, func(s *Settings) { s.SignupEnabled = true })
	for i, email := range []string{"owner@example.com", "OWNER@example.com", "  Owner@Example.Com\t"} {
		t.Run(strconv.Quote(email), func(t *testing.T) {
			a := st.from(t, fmt.Sprintf("192.0.2.%d", i+1), "POST", "/api/v1/signup", loginBody(email, "another long password"))
			if a.status != 409 || a.code != "email_taken" {
				t.Errorf("signup as %q: %+v, want 409 email_taken", email, a)
			}
		})
	}
}

// TestHashesBounded: 60 signups, then 60 logins, all at once from 60
// clients (IPv4 and IPv6), never run more hashes together than the
// budget holds, and every one of them succeeds in the end. The logins'
// stored hashes are slow ones, so that they overlap and the bound bites.
func TestHashesBounded(t *testing.T) {
	t.Parallel()
	st := behindProxy(t, func(s *Settings) { s.SignupEnabled, s.SignupRateTotal = true, 1000 })
	client := func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf("198.51.%d.%d", i/100, i%100+1)
		}
		return fmt.Sprintf("2001:db8:%x::1", i)
	}
	signups := inParallel(60, func(i int) attempt {
		return st.from(t, client(i), "POST", "/api/v1/signup", loginBody(fmt.Sprintf("p%d@example.com", i), rightPassword))
	})
	if n := count(signups, 201); n != 60 {
		t.Errorf("%d of 60 signups created: %v", n, signups)
	}
	slow := fastHash
	slow.Time = 64 // the most a stored hash may name
	for i := range 60 {
		if _, err := account.CreateUserWithParams(context.Background(), st.services.DB, fmt.Sprintf("slow%d@example.com", i), rightPassword, slow); err != nil {
			t.Fatal(err)
		}
	}
	logins := inParallel(60, func(i int) attempt {
		return st.from(t, client(i), "POST", "/api/v1/login", loginBody(fmt.Sprintf(" Slow%d@Example.com ", i), rightPassword))
	})
	if n := count(logins, 200); n != 60 {
		t.Errorf("%d of 60 logins signed in: %v", n, logins)
	}
	if p := st.hasher.Peak(); p > testHashes || p < 2 {
		t.Errorf("%d hashes ran at once, want 2 to the budget's %d", p, testHashes)
	}
	t.Logf("peak hashes at once: %d of %d", st.hasher.Peak(), testHashes)
}

// TestLoginLockout: wrong passwords back off the client group that sends
// them, per account, while the owner from a clean client signs in.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	st := behindProxy(t, nil)
	login := func(t *testing.T, client, email, password string) attempt {
		t.Helper()
		return st.from(t, client, "POST", "/api/v1/login", loginBody(email, password))
	}
	t.Run("a failing client backs off, whatever the email's case", func(t *testing.T) {
		t.Parallel()
		st.newUser(t, "a@example.com")
		variants := []string{"a@example.com", "A@EXAMPLE.COM", " a@Example.com", "a@example.com\t", "\n A@example.COM "}
		for i, email := range variants {
			if a := login(t, "198.51.100.1", email, "wrong password "+strconv.Itoa(i)); a.status != 401 || a.code != "wrong_credentials" {
				t.Fatalf("failure %d (%q): %+v", i+1, email, a)
			}
		}
		a := login(t, "198.51.100.1", "a@example.com", rightPassword)
		if a.status != 429 || a.retryAfter < 55 || a.retryAfter > 60 {
			t.Errorf("after 5 failures, the right password from the same client: %+v, want 429 for about a minute", a)
		}
		if a := login(t, "198.51.100.2", "A@example.com", rightPassword); a.status != 200 {
			t.Errorf("the owner from another client: %+v, want 200", a)
		}
		// The backoff doubles: its lock ended, one more failure waits 2 minutes.
		endLock(t, st, "login", "a@example.com", "198.51.100.1")
		login(t, "198.51.100.1", "a@example.com", "wrong again")
		if a := login(t, "198.51.100.1", "a@example.com", rightPassword); a.status != 429 || a.retryAfter < 115 || a.retryAfter > 120 {
			t.Errorf("after a 6th failure: %+v, want 429 for about 2 minutes", a)
		}
	})
	t.Run("an ipv6 /64 is one client", func(t *testing.T) {
		t.Parallel()
		st.newUser(t, "b@example.com")
		for i := range 5 {
			login(t, fmt.Sprintf("2001:db8:aa:bb:%x::1", i+1), "b@example.com", "wrong password")
		}
		if a := login(t, "2001:db8:aa:bb:ffff::9", "b@example.com", rightPassword); a.status != 429 {
			t.Errorf("a fresh address in the failing /64: %+v, want 429", a)
		}
		if a := login(t, "2001:db8:aa:cc::1", "b@example.com", rightPassword); a.status != 200 {
			t.Errorf("the next /64 with the right password: %+v, want 200", a)
		}
	})
	t.Run("an unknown email answers as a known one", func(t *testing.T) {
		t.Parallel()
		var got []attempt
		for range 6 {
			got = append(got, login(t, "198.51.100.3", "nobody@example.com", "wrong password"))
		}
		if count(got[:5], 401) != 5 || got[5].status != 429 || got[5].retryAfter < 55 {
			t.Errorf("unknown email: %+v, want five 401 then 429 as for an account", got)
		}
	})
	t.Run("a botnet cannot lock the owner out", func(t *testing.T) {
		t.Parallel()
		st.newUser(t, "c@example.com")
		bots := func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("100.%d.%d.1", 64+i/250, i%250) // a /24 each
			}
			return fmt.Sprintf("2001:db8:%x:1::1", 0x100+i) // a /48 each
		}
		got := inParallel(int(loginRule.targetCap)+40, func(i int) attempt { return login(t, bots(i), "c@example.com", "a guess") })
		if n := count(got, 401); n != len(got) {
			t.Errorf("%d of %d first guesses judged; each fresh client gets one", n, len(got))
		}
		if a := login(t, bots(0), "c@example.com", rightPassword); a.status != 429 {
			t.Errorf("a client that guessed wrong, once the account's cap is passed: %+v, want 429", a)
		}
		if a := login(t, "192.0.2.77", "c@example.com", rightPassword); a.status != 200 {
			t.Errorf("the owner from a clean client during the attack: %+v, want 200", a)
		}
	})
	t.Run("a subnet that rotates addresses is refused", func(t *testing.T) {
		t.Parallel()
		st.newUser(t, "d@example.com")
		got := inParallel(int(loginRule.subnetCap), func(i int) attempt {
			return login(t, fmt.Sprintf("203.0.113.%d", i+1), "d@example.com", "a guess")
		})
		if n := count(got, 401); n != len(got) {
			t.Errorf("%d of %d guesses judged", n, len(got))
		}
		if a := login(t, "203.0.113.250", "d@example.com", rightPassword); a.status != 429 {
			t.Errorf("a fresh address of the guessing /24: %+v, want 429", a)
		}
		if a := login(t, "203.0.114.1", "d@example.com", rightPassword); a.status != 200 {
			t.Errorf("the next /24: %+v, want 200", a)
		}
	})
}

// TestSharePasswordUnderAttack: the same rule at a share's password; the
// recipient, from a clean client, opens it during an attack from many
// addresses, through the API header and through the unlock form.
func TestSharePasswordUnderAttack(t *testing.T) {
	t.Parallel()
	st := behindProxy(t, nil)
	file := st.upload(t, "secret.txt", []byte("s"), "", "Ferry-Share-Password", "open sesame please")
	dl := pathOf(t, shareOf(file)["download_url"].(string))
	page := pathOf(t, shareOf(file)["url"].(string))
	guess := func(client, password string) attempt {
		return st.from(t, client, "GET", dl, "", "Ferry-Share-Password", password)
	}
	bots := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("2001:db8:%x:1::%x", 0x200+i, i) // a /48 each
		}
		return fmt.Sprintf("100.%d.%d.9", 100+i/250, i%250) // a /24 each
	}
	got := inParallel(int(unlockRule.targetCap)+50, func(i int) attempt { return guess(bots(i), "guess") })
	if n := count(got, 401); n != len(got) {
		t.Errorf("%d of %d first guesses judged", n, len(got))
	}
	tests := []struct {
		name, client, password string
		want                   int
	}{
		{"a bot, with the right password", bots(1), "open sesame please", 429},
		{"a bot's /64 neighbour", "2001:db8:200:1:ffff::1", "open sesame please", 429},
		{"the recipient, clean ipv4", "192.0.2.10", "open sesame please", 200},
		{"the recipient, clean ipv6", "2001:db8:feed::10", "open sesame please", 200},
		{"a clean client's wrong guess is judged", "192.0.2.11", "guess", 401},
		{"and then it is refused", "192.0.2.11", "open sesame please", 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a := guess(tt.client, tt.password); a.status != tt.want {
				t.Errorf("%+v, want %d", a, tt.want)
			}
		})
	}
	t.Run("the unlock form, clean client", func(t *testing.T) {
		req, _ := http.NewRequest("POST", st.url+page+"/unlock", strings.NewReader("password=open+sesame+please"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "192.0.2.12")
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("unlock form: %d, want 303 to the share", res.StatusCode)
		}
	})
	t.Run("ipv6 addresses of one /64 are one client", func(t *testing.T) {
		other := st.upload(t, "other.txt", []byte("o"), "", "Ferry-Share-Password", "open sesame please")
		dl := pathOf(t, shareOf(other)["download_url"].(string))
		for i := range 5 {
			st.from(t, fmt.Sprintf("2001:db8:77:88::%x", i+1), "GET", dl, "", "Ferry-Share-Password", "guess")
		}
		if a := st.from(t, "2001:db8:77:88::99", "GET", dl, "", "Ferry-Share-Password", "open sesame please"); a.status != 429 {
			t.Errorf("a sixth address of the /64: %+v, want 429", a)
		}
		if a := st.from(t, "2001:db8:77:89::1", "GET", dl, "", "Ferry-Share-Password", "open sesame please"); a.status != 200 {
			t.Errorf("the next /64: %+v, want 200", a)
		}
	})
}

// TestBackoff holds the growth of a failing client's wait.
func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		failures int64
		want     string
	}{{1, "0s"}, {4, "0s"}, {5, "1m0s"}, {6, "2m0s"}, {7, "4m0s"}, {10, "32m0s"}, {11, "1h0m0s"}, {50, "1h0m0s"}} {
		t.Run(strconv.FormatInt(tt.failures, 10), func(t *testing.T) {
			if got := loginRule.backoff(tt.failures).String(); got != tt.want {
				t.Errorf("backoff after %d failures = %s, want %s", tt.failures, got, tt.want)
			}
		})
	}
}

// endLock deletes a client's backoff at a target, as its expiry would.
func endLock(t *testing.T, st *stack, kind, target, client string) {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(target))
	keys, err := st.services.Redis.Keys(ctx, st.prefix+"guess:"+kind+":"+hex.EncodeToString(sum[:12])+":lock:"+client).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("lock keys %v, %v", keys, err)
	}
	if err := st.services.Redis.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
}
