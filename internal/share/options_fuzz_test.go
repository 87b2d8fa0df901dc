package share

import (
	"testing"
	"time"
)

// FuzzParseEdit: an owner's edit, from a PATCH body or a form, never
// panics, and what it accepts keeps ParseOptions' bounds.
func FuzzParseEdit(f *testing.F) {
	for _, seed := range [][3]string{{"24h", "5", "pw"}, {"", "", ""}, {"7d", "0", "a\nb"}, {"-1h", "1000001", ""}, {"90m", "x", "\x00"}} {
		f.Add(seed[0], seed[1], seed[2], true)
	}
	lim := Limits{DefaultExpiresIn: time.Hour, MaxExpiresIn: 7 * 24 * time.Hour}
	f.Fuzz(func(t *testing.T, expires, max, password string, set bool) {
		var m, p *string
		if set {
			m, p = &max, &password
		}
		e, err := ParseEdit(&expires, m, p, lim)
		if err != nil {
			return
		}
		if e.ExpiresIn != nil && (*e.ExpiresIn <= 0 || *e.ExpiresIn > lim.MaxExpiresIn) {
			t.Errorf("expiry %v outside (0, %v]", *e.ExpiresIn, lim.MaxExpiresIn)
		}
		if e.MaxDownloads != nil && (*e.MaxDownloads < 0 || *e.MaxDownloads > 1_000_000) {
			t.Errorf("max downloads %d out of bounds", *e.MaxDownloads)
		}
		if (e.MaxDownloads != nil) != set || (e.Password != nil) != set {
			t.Errorf("fields given %v, parsed %+v", set, e)
		}
	})
}
