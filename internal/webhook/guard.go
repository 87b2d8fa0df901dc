package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// globalIPv6 is the IPv6 space allocated for global unicast; an IPv6
// address outside it (ULA, link-local, site-local, NAT64, IPv4-compatible
// and -translated forms, discard-only) is never reachable by a webhook.
var globalIPv6 = netip.MustParsePrefix("2000::/3")

// blockedPrefixes are ranges no webhook may reach besides those netip
// names (private, loopback, link-local, multicast, unspecified).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and the broadcast address
	netip.MustParsePrefix("2002::/16"),     // 6to4, which embeds an IPv4 address
	netip.MustParsePrefix("2001::/32"),     // Teredo, likewise
	netip.MustParsePrefix("2001:db8::/32"), // documentation
}

// Blocked says whether a is an address webhooks must not reach: not a
// global unicast address, or one of a private network (RFC 1918, IPv6
// ULA), loopback, link-local, CGNAT, or a form that embeds or translates
// to IPv4. An IPv4-mapped IPv6 address is judged as its IPv4 address.
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() ||
		a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return true
	}
	if a.Is6() && !globalIPv6.Contains(a) {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseURL checks the form of an endpoint's URL: absolute http or https,
// a host, no user info, at most 2000 characters. It does not resolve.
func ParseURL(raw string) (*url.URL, error) {
	if len(raw) > 2000 {
		return nil, ErrInvalidURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return nil, ErrInvalidURL
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return nil, ErrInvalidURL
	}
	return u, nil
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

// Guard decides which addresses webhooks may reach. Its zero value
// refuses every blocked address and resolves with the system resolver.
type Guard struct {
	AllowPrivate bool          // WEBHOOK_ALLOW_PRIVATE: reach any address
	Resolver     *net.Resolver // nil: net.DefaultResolver
}

func (g Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// CheckURL parses raw (ParseURL) and, unless private addresses are
// allowed, resolves its host and refuses it when the host is, or any of
// its addresses is, blocked: ErrPrivate, or ErrUnresolvable for a host
// that does not exist. A resolver that fails is a net.Error, a service's
// failure. The dial is checked again (Control), since what a name
// resolves to may change.
func (g Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := ParseURL(raw)
	if err != nil || g.AllowPrivate {
		return u, err
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		if Blocked(a) {
			return nil, ErrPrivate
		}
		return u, nil
	}
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		if de, ok := errors.AsType[*net.DNSError](err); ok && de.IsNotFound {
			return nil, ErrUnresolvable
		}
		// The resolver failed (a net.Error): the web layer's 503.
		return nil, fmt.Errorf("resolve webhook host: %w", err)
	}
	if len(addrs) == 0 {
		return nil, ErrUnresolvable
	}
	for _, a := range addrs {
		if Blocked(a) {
			return nil, ErrPrivate
		}
	}
	return u, nil
}

// Control is a net.Dialer Control function: it runs after the name was
// resolved, with the address about to be dialled, and refuses a blocked
// one, so that a name answering a public address when the webhook was
// made and a private one now (DNS rebinding) still cannot reach inside.
func (g Guard) Control(_, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %q: %w", address, ErrPrivate)
	}
	if Blocked(ap.Addr()) {
		return fmt.Errorf("webhook dial %s: %w", ap.Addr(), ErrPrivate)
	}
	return nil
}
