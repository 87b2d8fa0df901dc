package webhook

import (
	"context"
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseURL: any string a user sends as a webhook URL is refused or
// accepted without a panic; one accepted is http(s) with a host and no
// user info, and a literal blocked address in it never passes CheckURL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/x", "http://127.0.0.1:80/", "http://[::ffff:10.0.0.1]/",
		"https://a@b/", "http://[fe80::1%25eth0]/", "https://example.com:65536/", "http://0x7f.1/", "//x"} {
		f.Add(s)
	}
	g := Guard{Resolver: nil}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseURL(raw)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("ParseURL(%q) accepted %+v", raw, u)
		}
		a, perr := netip.ParseAddr(strings.TrimSuffix(u.Hostname(), "."))
		if perr != nil || !Blocked(a) {
			return // a name would be resolved: not in a fuzz test
		}
		if _, err := g.CheckURL(context.Background(), raw); err == nil {
			t.Fatalf("CheckURL(%q) passed the blocked address %s", raw, a)
		}
	})
}
