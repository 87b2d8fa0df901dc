package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is who sent the request, for rate limits. It is the socket's
// peer unless that peer is a trusted proxy; then X-Forwarded-For is read
// from the right, skipping trusted hops, so a client cannot forge its way
// past a limit by sending the header itself.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(peer, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !isTrusted(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client is who a rate limit counts a request against.
type client struct {
	key    string // the group one party controls: an IPv4 address, or an IPv6 /64
	subnet string // the wider network around it: an IPv4 /24, or an IPv6 /48
}

// clientOf groups the request's client address for rate limits. An IPv6
// client is its /64, because one home, phone or server is routinely given
// a whole /64 and may take a fresh address from it for every request;
// counting addresses would let it reset any limit at will. An IPv4 client
// is its address. The subnet (IPv4 /24, IPv6 /48, a site's usual
// allocation) bounds what one network of many such groups may do.
func clientOf(r *http.Request, trusted []netip.Prefix) client {
	addr := clientAddr(r, trusted)
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return client{key: addr, subnet: addr} // not IP (a unix socket): one group
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return client{key: a.String(), subnet: prefix(a, 24)}
	}
	return client{key: prefix(a, 64), subnet: prefix(a, 48)}
}

// clientKey is the group the request's client counts as; every rate
// limit that keys by client keys by this.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	return clientOf(r, trusted).key
}

func prefix(a netip.Addr, bits int) string {
	p, _ := a.Prefix(bits) // bits fit a's family by construction
	return p.String()
}
