package account

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

// Scope is one right an API token may hold. A browser session holds them
// all; a token holds the ones it was made with.
type Scope string

// The scopes a token may be made with.
const (
	ScopeFilesRead     Scope = "files:read"     // list and read files and their shares
	ScopeFilesWrite    Scope = "files:write"    // upload
	ScopeFilesDelete   Scope = "files:delete"   // delete files
	ScopeSharesWrite   Scope = "shares:write"   // make and end share links
	ScopeRequestsWrite Scope = "requests:write" // make and end file requests
	ScopeAccount       Scope = "account"        // tokens, password, sessions, 2FA, webhooks
	// ScopeAdmin is the admin API. It is never implied: only a token that
	// names it holds it (not one made with every scope, nor one from
	// before scopes), only an admin may make one, and it works only while
	// its user is an admin.
	ScopeAdmin Scope = "admin"
)

// AllScopes lists every scope, in the order people are shown them.
var AllScopes = Scopes{ScopeFilesRead, ScopeFilesWrite, ScopeFilesDelete, ScopeSharesWrite, ScopeRequestsWrite, ScopeAccount}

// Scopes is a token's rights. Nil is every right, present and future: the
// tokens made before scopes existed, which keep what they could do.
type Scopes []Scope

// Has says whether the scopes include sc. Nil has every scope but
// ScopeAdmin, which only a token naming it has.
func (s Scopes) Has(sc Scope) bool {
	return (s == nil && sc != ScopeAdmin) || slices.Contains(s, sc)
}

// List is the scopes spelled out, nil as every scope there is.
func (s Scopes) List() []Scope {
	if s == nil {
		return slices.Clone(AllScopes)
	}
	return s
}

// Errors of token options; web answers them as 400 invalid_field.
var (
	ErrUnknownScope     = errors.New("scopes must be some of files:read, files:write, files:delete, shares:write, requests:write, account, admin")
	ErrAdminScope       = errors.New("only an admin may make a token with the admin scope")
	ErrInvalidExpiresIn = errors.New("expires_in must be a duration such as 90m, 24h or 7d")
)

// TokenOptions are what a new token may do and for how long.
type TokenOptions struct {
	Scopes    Scopes        // nil: every scope
	ExpiresIn time.Duration // 0: never expires
}

// ParseTokenOptions reads the scopes (nil: every scope; empty or unknown
// names are an error) and expiresIn ("": never; else a duration as share
// expiry reads it, such as 90m, 24h or 7d).
func ParseTokenOptions(scopes []string, expiresIn string) (TokenOptions, error) {
	var o TokenOptions
	if scopes != nil {
		if len(scopes) == 0 {
			return TokenOptions{}, ErrUnknownScope
		}
		o.Scopes = Scopes{}
		for _, name := range scopes {
			sc := Scope(strings.TrimSpace(name))
			if !slices.Contains(AllScopes, sc) && sc != ScopeAdmin {
				return TokenOptions{}, ErrUnknownScope
			}
			if !slices.Contains(o.Scopes, sc) {
				o.Scopes = append(o.Scopes, sc)
			}
		}
	}
	if expiresIn != "" {
		d, err := units.ParseDuration(expiresIn)
		if err != nil || d <= 0 {
			return TokenOptions{}, ErrInvalidExpiresIn
		}
		o.ExpiresIn = d
	}
	return o, nil
}

// Expired says whether the token's lifetime is over.
func (t Token) Expired() bool { return t.ExpiresAt != nil && !t.ExpiresAt.After(time.Now()) }
