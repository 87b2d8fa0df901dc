package webhook

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBlocked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr    string
		blocked bool
	}{
		{"93.184.216.34", false},
		{"8.8.8.8", false},
		{"2606:4700:4700::1111", false},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"169.254.169.254", true}, // cloud metadata
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"100.64.0.1", true}, // CGNAT
		{"100.127.255.254", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"198.18.0.1", true},
		{"::", true},
		{"::1", true},
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped
		{"::ffff:10.0.0.1", true},
		{"::ffff:8.8.8.8", false},
		{"::127.0.0.1", true},     // IPv4-compatible
		{"64:ff9b::a00:1", true},  // NAT64 of 10.0.0.1
		{"2002:a00:1::1", true},   // 6to4 of 10.0.0.1
		{"fec0::1", true},         // site-local
		{"2001:db8::1", true},     // documentation
		{"::ffff:0:7f00:1", true}, // IPv4-translated
		{"fe80::1%eth0", true},    // zoned link-local
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := Blocked(netip.MustParseAddr(tc.addr)); got != tc.blocked {
				t.Errorf("Blocked(%s) = %v, want %v", tc.addr, got, tc.blocked)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"https://hooks.example.com/ferry", true},
		{"http://hooks.example.com:8080/x?y=1", true},
		{"ftp://hooks.example.com/", false},
		{"https:///path", false},
		{"hooks.example.com/x", false},
		{"https://user:pw@hooks.example.com/", false},
		{"https://hooks.example.com:0/", false},
		{"https://hooks.example.com:99999/", false},
		{"https://hooks.example.com:http/", false},
		{"", false},
		{"mailto:a@example.com", false},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			_, err := ParseURL(tc.raw)
			if (err == nil) != tc.ok {
				t.Errorf("ParseURL(%q) = %v, want ok %v", tc.raw, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidURL) {
				t.Errorf("error %v is not ErrInvalidURL", err)
			}
		})
	}
}

// dnsServer is a tiny DNS server on loopback answering every A question
// with the next of its addresses (the last one repeated) and every other
// question with no records: a name that rebinds. With no addresses it
// answers that no such name exists.
type dnsServer struct {
	mu      sync.Mutex
	answers []netip.Addr
	asked   int
	conn    net.PacketConn
}

func startDNS(t *testing.T, answers ...string) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{conn: conn}
	for _, a := range answers {
		if a != "" {
			s.answers = append(s.answers, netip.MustParseAddr(a))
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := s.answer(buf[:n]); resp != nil {
				_, _ = conn.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return s
}

// answer builds the response to one query: its header and question, and
// an A record for an A question.
func (s *dnsServer) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	question := q[12 : i+5]
	resp := append([]byte{}, q[0:2]...)
	resp = append(resp, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0) // a response, recursion available, one question
	resp = append(resp, question...)
	if len(s.answers) == 0 {
		resp[3] = 0x83 // NXDOMAIN: no such name
		return resp
	}
	if qtype != 1 {
		return resp
	}
	s.mu.Lock()
	a := s.answers[min(s.asked, len(s.answers)-1)]
	s.asked++
	s.mu.Unlock()
	resp[7] = 1 // one answer
	ip := a.As4()
	resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4) // the name by pointer, A, IN, TTL 0, 4 bytes
	return append(resp, ip[:]...)
}

// resolver is a Go resolver that asks only s.
func (s *dnsServer) resolver() *net.Resolver {
	addr := s.conn.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, raw, answer string
		allow             bool
		want              error
	}{
		{"public name", "https://hooks.test/x", "93.184.216.34", false, nil},
		{"private name", "https://hooks.test/x", "10.0.0.5", false, ErrPrivate},
		{"loopback name", "https://hooks.test/x", "127.0.0.1", false, ErrPrivate},
		{"metadata literal", "http://169.254.169.254/latest", "93.184.216.34", false, ErrPrivate},
		{"loopback literal", "http://127.0.0.1:9000/", "93.184.216.34", false, ErrPrivate},
		{"mapped literal", "http://[::ffff:127.0.0.1]/", "93.184.216.34", false, ErrPrivate},
		{"ULA literal", "http://[fd00::1]/", "93.184.216.34", false, ErrPrivate},
		{"public literal", "http://93.184.216.34/", "10.0.0.5", false, nil},
		{"private allowed", "https://hooks.test/x", "10.0.0.5", true, nil},
		{"bad URL", "gopher://hooks.test/", "93.184.216.34", false, ErrInvalidURL},
		{"no such name", "https://nowhere.test/x", "", false, ErrUnresolvable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := Guard{AllowPrivate: tc.allow, Resolver: startDNS(t, tc.answer).resolver()}
			_, err := g.CheckURL(ctx, tc.raw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CheckURL(%q) = %v, want %v", tc.raw, err, tc.want)
			}
		})
	}
}

// TestCheckURLResolverDown: a resolver that cannot be reached is a
// network failure (answered 503), not a refusal of the URL.
func TestCheckURLResolverDown(t *testing.T) {
	t.Parallel()
	ln, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.LocalAddr().String()
	_ = ln.Close() // nothing answers there now
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Guard{Resolver: r}.CheckURL(ctx, "https://hooks.test/x")
	var ne net.Error
	if err == nil || errors.Is(err, ErrUnresolvable) || errors.Is(err, ErrPrivate) || !errors.As(err, &ne) {
		t.Fatalf("CheckURL with the resolver down = %v, want a net.Error", err)
	}
}

// TestDialGuardAgainstRebinding: a name that resolves to a public address
// when the webhook is made and to loopback when it is delivered (where a
// real receiver listens) is refused at dial time; the receiver never sees
// a request. With WEBHOOK_ALLOW_PRIVATE the same delivery goes through,
// which shows that the resolver does lead there.
func TestDialGuardAgainstRebinding(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(receiver.Close)
	port := receiver.Listener.Addr().(*net.TCPAddr).Port
	target := (&url.URL{Scheme: "http", Host: net.JoinHostPort("rebind.test", strconv.Itoa(port)), Path: "/hook"}).String()
	ctx := context.Background()
	key, _ := newKey()

	t.Run("refused", func(t *testing.T) {
		dns := startDNS(t, "93.184.216.34", "127.0.0.1")
		g := Guard{Resolver: dns.resolver()}
		if _, err := g.CheckURL(ctx, target); err != nil {
			t.Fatalf("at creation the name is public: %v", err)
		}
		s := NewSender(g, 2*time.Second)
		defer s.Close()
		res := s.Send(ctx, target, key, NewMessageID(), []byte(`{}`))
		if res.Status != 0 || res.Error != "private_address" {
			t.Fatalf("rebound delivery = %+v, want refused as private_address", res)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the receiver got %d requests", n)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		dns := startDNS(t, "127.0.0.1")
		s := NewSender(Guard{AllowPrivate: true, Resolver: dns.resolver()}, 2*time.Second)
		defer s.Close()
		if res := s.Send(ctx, target, key, NewMessageID(), []byte(`{}`)); !res.OK() {
			t.Fatalf("allowed delivery = %+v", res)
		}
	})
}

func TestParseEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []string
		want int
		err  bool
	}{
		{"one", []string{"file.uploaded"}, 1, false},
		{"all", Types, 4, false},
		{"duplicates", []string{"share.expired", " share.expired"}, 1, false},
		{"none", nil, 0, true},
		{"unknown", []string{"file.uploaded", "file.deleted"}, 0, true},
		{"test is not subscribable", []string{Test}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEvents(tc.in)
			if (err != nil) != tc.err || len(got) != tc.want {
				t.Fatalf("ParseEvents(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
}
