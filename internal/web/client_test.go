package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientOf checks the groups rate limits count against: IPv4 per
// address, IPv6 per /64 whatever the spelling, mapped IPv4 as IPv4, and
// X-Forwarded-For believed only from a trusted proxy.
func TestClientOf(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, remote, xff, key, subnet string
	}{
		{"ipv4", "203.0.113.7:5000", "", "203.0.113.7", "203.0.113.0/24"},
		{"ipv4 neighbour is apart", "203.0.113.8:5000", "", "203.0.113.8", "203.0.113.0/24"},
		{"ipv6 grouped per /64", "[2001:db8:1:2:aaaa::1]:443", "", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"ipv6 other host same /64", "[2001:db8:1:2:ffff:1:2:3]:443", "", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"ipv6 upper case and zeros", "[2001:DB8:1:2:0:0:0:9]:443", "", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"ipv6 next /64", "[2001:db8:1:3::1]:443", "", "2001:db8:1:3::/64", "2001:db8:1::/48"},
		{"ipv6 zone dropped", "[fe80::1%eth0]:443", "", "fe80::/64", "fe80::/48"},
		{"mapped ipv4", "[::ffff:198.51.100.9]:80", "", "198.51.100.9", "198.51.100.0/24"},
		{"forged header ignored", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7", "203.0.113.0/24"},
		{"trusted proxy, ipv4 client", "10.1.2.3:80", "198.51.100.1", "198.51.100.1", "198.51.100.0/24"},
		{"trusted proxy, ipv6 client", "10.1.2.3:80", "2001:db8:9:9::42", "2001:db8:9:9::/64", "2001:db8:9::/48"},
		{"trusted proxies chained", "10.1.2.3:80", "2001:db8:9:9::42, fd00::7, 10.9.9.9", "2001:db8:9:9::/64", "2001:db8:9::/48"},
		{"client spoofs the left", "10.1.2.3:80", "1.1.1.1, 198.51.100.1", "198.51.100.1", "198.51.100.0/24"},
		{"not an address", "@", "", "@", "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			got := clientOf(r, trusted)
			if got.key != tt.key || got.subnet != tt.subnet {
				t.Errorf("clientOf = %+v, want key %s subnet %s", got, tt.key, tt.subnet)
			}
			if k := clientKey(r, trusted); k != tt.key {
				t.Errorf("clientKey = %s, want %s", k, tt.key)
			}
		})
	}
}
