package account

import (
	"testing"
	"time"
)

// FuzzUserCursor: a paging cursor from a client either parses to a time
// and a uuid that format back to it, or is ErrBadCursor; never a panic.
func FuzzUserCursor(f *testing.F) {
	for _, s := range []string{"", "x", "2026-12-04T19:00:00.123Z_3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab", "_", "2026-12-04T19:00:00Z_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := parseUserCursor(c)
		switch {
		case err != nil:
			if err != ErrBadCursor {
				t.Errorf("error %v", err)
			}
		case c == "":
			if at != nil || id != nil {
				t.Error("the empty cursor has a position")
			}
		case at == nil || id == nil || !isUUID(*id):
			t.Errorf("%q parsed to %v, %v", c, at, id)
		default:
			_ = at.Format(time.RFC3339Nano)
		}
	})
}
