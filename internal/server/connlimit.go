package server

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// ClientLimit is a listener that keeps at most a number of connections
// open at once per remote IP address, so that one client cannot hold all
// of the server's file descriptors, however slowly it sends. A connection
// past the cap is closed as soon as it is accepted, before any byte is
// read.
//
// The address is the TCP peer's: behind a proxy every connection comes
// from the proxy, so peers in exempt (TRUSTED_PROXIES) are not capped,
// and the cap applies only to clients that connect directly.
type ClientLimit struct {
	net.Listener
	max     int
	exempt  []netip.Prefix
	mu      sync.Mutex
	open    map[netip.Addr]int
	total   atomic.Int64
	refused atomic.Int64
}

// LimitPerClient wraps ln; max 0 or less caps nobody.
func LimitPerClient(ln net.Listener, max int, exempt []netip.Prefix) *ClientLimit {
	return &ClientLimit{Listener: ln, max: max, exempt: exempt, open: map[netip.Addr]int{}}
}

// Accept returns the next connection within its client's cap, closing
// those past it.
func (l *ClientLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr, capped := l.peer(c)
		if l.admit(addr, capped) {
			l.total.Add(1)
			return &limitedConn{Conn: c, limit: l, addr: addr}, nil
		}
		l.refused.Add(1)
		_ = c.Close()
	}
}

// peer returns the connection's remote IP and whether the cap applies to
// it: not to trusted proxies, nor to peers that are not IP (unix sockets).
func (l *ClientLimit) peer(c net.Conn) (netip.Addr, bool) {
	tcp, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	addr := tcp.AddrPort().Addr().Unmap()
	exempt := slices.ContainsFunc(l.exempt, func(p netip.Prefix) bool { return p.Contains(addr) })
	return addr, l.max > 0 && !exempt
}

func (l *ClientLimit) admit(addr netip.Addr, capped bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if capped && l.open[addr] >= l.max {
		return false
	}
	l.open[addr]++
	return true
}

func (l *ClientLimit) release(addr netip.Addr) {
	l.total.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr) // the map holds only clients connected now
	}
}

// Open returns the connections open now.
func (l *ClientLimit) Open() int64 { return l.total.Load() }

// Refused returns how many connections were closed for being past a cap.
func (l *ClientLimit) Refused() int64 { return l.refused.Load() }

// limitedConn gives its slot back when closed, once however often Close
// is called (net/http may close a connection more than once).
type limitedConn struct {
	net.Conn
	limit *ClientLimit
	addr  netip.Addr
	once  sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.limit.release(c.addr) })
	return c.Conn.Close()
}
