package account

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// fast are cheap costs so tests stay quick; the format is the same.
var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Errorf("hash %q is not argon2id PHC with the default costs", h)
	}
	again, _ := HashPassword("correct horse battery", DefaultParams)
	if again == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("VerifyPassword(right) = %v, %v", ok, err)
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hash, password string
		ok                   bool
		err                  error
	}{
		{"right", h, "correct horse battery", true, nil},
		{"wrong", h, "correct horse batterz", false, nil},
		{"empty", h, "", false, nil},
		{"not phc", "plain", "x", false, ErrMalformedHash},
		{"argon2i", strings.Replace(h, "argon2id", "argon2i", 1), "x", false, ErrMalformedHash},
		{"other version", strings.Replace(h, "v=19", "v=16", 1), "x", false, ErrMalformedHash},
		{"huge memory", strings.Replace(h, "m=64", "m=99999999", 1), "x", false, ErrMalformedHash},
		{"bad salt", withPart(h, 4, "!!!!"), "x", false, ErrMalformedHash},
		{"short key", withPart(h, 5, "AAAA"), "x", false, ErrMalformedHash},
		{"bad params", withPart(h, 3, "m=64,t=1"), "x", false, ErrMalformedHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.hash, tc.password)
			if ok != tc.ok || !errors.Is(err, tc.err) {
				t.Errorf("VerifyPassword = %v, %v; want %v, %v", ok, err, tc.ok, tc.err)
			}
		})
	}
}

// withPart replaces the i-th $-separated field of a PHC string.
func withPart(h string, i int, v string) string {
	parts := strings.Split(h, "$")
	parts[i] = v
	return strings.Join(parts, "$")
}

func TestCheckPasswordLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		password string
		want     error
	}{
		{"123456789", ErrWeakPassword},
		{"1234567890", nil},
		{"ééééééééé", ErrWeakPassword}, // 9 characters, 18 bytes
		{"éééééééééé", nil},
		{strings.Repeat("x", MaxPasswordLen), nil},
		{strings.Repeat("x", MaxPasswordLen+1), ErrPasswordTooLong},
	} {
		if got := checkPassword(tc.password); !errors.Is(got, tc.want) {
			t.Errorf("checkPassword(%d bytes) = %v, want %v", len(tc.password), got, tc.want)
		}
	}
}

func TestIsUUID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab": true,
		"3F1C2A4E-8B9D-4C3E-A1B2-0123456789AB": true,
		"3f1c2a4e8b9d4c3ea1b20123456789ab":     false,
		"3f1c2a4e-8b9d-4c3e-a1b2-0123456789ag": false,
		"":                                     false,
		"1":                                    false,
	} {
		if got := isUUID(s); got != want {
			t.Errorf("isUUID(%q) = %v", s, got)
		}
	}
}
