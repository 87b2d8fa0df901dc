package resumable

import (
	"crypto/sha1" //nolint:gosec // tus's checksum extension names sha1
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestParseChecksum(t *testing.T) {
	s1 := sha1.Sum([]byte("x")) //nolint:gosec // as above
	s256 := sha256.Sum256([]byte("x"))
	b := base64.StdEncoding.EncodeToString
	tests := []struct {
		header, alg string
	}{
		{"sha1 " + b(s1[:]), "sha1"},
		{"sha256 " + b(s256[:]), "sha256"},
		{" sha256  " + b(s256[:]) + " ", "sha256"},
		{"md5 " + b(s1[:16]), ""},
		{"sha1 " + b(s256[:]), ""},
		{"sha256 not base64!", ""},
		{"sha1", ""},
		{"", ""},
		{"SHA1 " + b(s1[:]), ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			c, err := parseChecksum(tt.header)
			if tt.alg == "" {
				if !errors.Is(err, errBadChecksum) {
					t.Errorf("parseChecksum = %+v, %v; want errBadChecksum", c, err)
				}
				return
			}
			if err != nil || c.algorithm != tt.alg {
				t.Errorf("parseChecksum = %+v, %v; want %s", c, err, tt.alg)
			}
		})
	}
}

// TestVerified: a matching chunk comes back whole to be written, a wrong
// one is refused with 460, a short one is kept from the store silently
// (the body's error is tusd's), an over-size one is refused.
func TestVerified(t *testing.T) {
	body := strings.Repeat("chunk ", 1000)
	sum := sha256.Sum256([]byte(body))
	good := checksum{algorithm: "sha256", sum: sum[:]}
	bad := checksum{algorithm: "sha256", sum: make([]byte, 32)}
	tests := []struct {
		name      string
		c         checksum
		announced int64
		ok        bool
		err       error
	}{
		{"match", good, int64(len(body)), true, nil},
		{"match, length unknown", good, -1, true, nil},
		{"mismatch", bad, int64(len(body)), false, errChecksumMismatch},
		{"cut short", good, int64(len(body)) + 1, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok, err := verified(strings.NewReader(body), tt.c, tt.announced, t.TempDir())
			if ok != tt.ok || !errors.Is(err, tt.err) {
				t.Fatalf("verified = %v, %v; want %v, %v", ok, err, tt.ok, tt.err)
			}
			if f == nil {
				return
			}
			defer f.Close()
			var got strings.Builder
			if _, err := f.WriteTo(&got); err != nil || got.String() != body {
				t.Errorf("read back %d bytes, %v", got.Len(), err)
			}
		})
	}
}

// FuzzParseChecksum: a header parses to a known algorithm with a digest
// of its length, or is refused with 400.
func FuzzParseChecksum(f *testing.F) {
	f.Add("sha1 C+7Hteo/D9vJXQ3UfzxbwnXaijM=")
	f.Add("sha256 LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=")
	f.Fuzz(func(t *testing.T, header string) {
		c, err := parseChecksum(header)
		if err != nil {
			if !errors.Is(err, errBadChecksum) {
				t.Errorf("parseChecksum(%q): %v", header, err)
			}
			return
		}
		if len(c.sum) != c.hash().Size() {
			t.Errorf("parseChecksum(%q) = %+v", header, c)
		}
	})
}
