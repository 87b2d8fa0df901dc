// Package share holds share links: who may fetch which files, until when,
// how often, and behind which password.
package share

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

// NewToken returns a link token of 128 random bits (22 base64url
// characters): too many to guess, short enough to paste.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Options are what an uploader may choose for a share.
type Options struct {
	ExpiresIn    time.Duration
	MaxDownloads int // 0: no limit
	Password     string
	Notify       bool
}

// Limits are the operator's bounds on Options.
type Limits struct {
	DefaultExpiresIn time.Duration
	MaxExpiresIn     time.Duration
}

// FieldError names the request field at fault, for a 400 answer.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ParseOptions reads the share options from get (a query or form lookup)
// and the password header. Expiry defaults to, and is capped by, the
// operator's limits: asking for longer than allowed is an error, not a
// silent cut, so nobody believes a link lives longer than it will.
func ParseOptions(get func(string) string, password string, lim Limits) (Options, error) {
	o := Options{ExpiresIn: lim.DefaultExpiresIn, Password: password}
	if v := get("expires_in"); v != "" {
		d, err := units.ParseDuration(v)
		if err != nil || d <= 0 {
			return Options{}, &FieldError{"expires_in", "must be a duration such as 90m, 24h or 7d"}
		}
		if d > lim.MaxExpiresIn {
			return Options{}, &FieldError{"expires_in", "may be at most " + units.Duration(lim.MaxExpiresIn).String()}
		}
		o.ExpiresIn = d
	}
	if v := get("max_downloads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return Options{}, &FieldError{"max_downloads", "must be a whole number from 1 to 1000000"}
		}
		o.MaxDownloads = n
	}
	if v := get("notify"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Options{}, &FieldError{"notify", "must be true or false"}
		}
		o.Notify = b
	}
	if len(o.Password) > 1024 || strings.ContainsAny(o.Password, "\x00\r\n") {
		return Options{}, &FieldError{"password", "must be at most 1024 characters on one line"}
	}
	return o, nil
}

// Edit is what an owner asks to change in a live share, parsed; a nil
// field stays as it is.
type Edit struct {
	ExpiresIn    *time.Duration // from now
	MaxDownloads *int           // 0: no limit
	Password     *string        // in the clear; "" removes the password
}

// ParseEdit reads an owner's edit by ParseOptions' rules: expiresIn is a
// duration (nil or "": unchanged), maxDownloads a whole number ("": no
// limit; nil: unchanged), password the new password ("": remove it; nil:
// unchanged).
func ParseEdit(expiresIn, maxDownloads, password *string, lim Limits) (Edit, error) {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	get := func(key string) string {
		switch key {
		case "expires_in":
			return deref(expiresIn)
		case "max_downloads":
			return deref(maxDownloads)
		}
		return ""
	}
	o, err := ParseOptions(get, deref(password), lim)
	if err != nil {
		return Edit{}, err
	}
	var e Edit
	if deref(expiresIn) != "" {
		e.ExpiresIn = &o.ExpiresIn
	}
	if maxDownloads != nil {
		e.MaxDownloads = &o.MaxDownloads
	}
	if password != nil {
		e.Password = &o.Password
	}
	return e, nil
}
