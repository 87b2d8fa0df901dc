package web

import (
	"encoding/json"
	"testing"

	"github.com/ferryhq/ferry/internal/account"
)

// FuzzUserPatch feeds arbitrary bodies to the admin's PATCH of a user: it
// never panics, and a patch it accepts names a known role and a quota of
// 0 or more, or none.
func FuzzUserPatch(f *testing.F) {
	for _, s := range []string{`{}`, `{"disabled":true}`, `{"role":"admin","quota_bytes":10}`, `{"quota_bytes":null}`,
		`{"quota_bytes":-1}`, `{"quota_bytes":1e40}`, `{"quota_bytes":"1"}`, `{"role":"root"}`, `{"quota_bytes":1.5}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var p userPatch
		if json.Unmarshal([]byte(body), &p) != nil {
			return
		}
		c, err := p.change()
		if err != nil {
			return
		}
		if c.Role != nil && *c.Role != account.RoleAdmin && *c.Role != account.RoleUser {
			t.Errorf("role %q accepted from %s", *c.Role, body)
		}
		if c.QuotaBytes != nil && *c.QuotaBytes != nil && **c.QuotaBytes < 0 {
			t.Errorf("quota %d accepted from %s", **c.QuotaBytes, body)
		}
	})
}
