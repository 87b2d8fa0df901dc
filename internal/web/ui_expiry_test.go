package web

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// TestExpiryChoices: the upload form offers the standard lifetimes up to
// the maximum, and the default and the maximum themselves, with the
// default selected; the server takes every value it offers.
func TestExpiryChoices(t *testing.T) {
	const day = units.Day
	tests := []struct {
		name     string
		def, max time.Duration
		want     string // value=label, the selected one starred
	}{
		{"Ferry's defaults", 7 * day, 30 * day, "1h=1 hour 1d=1 day 3d=3 days 7d=7 days* 30d=30 days"},
		{"max of a day offers nothing longer", day, day, "1h=1 hour 1d=1 day*"},
		{"default under an hour", 30 * time.Minute, day, "30m=30 minutes* 1h=1 hour 1d=1 day"},
		{"default not in the list", 2 * day, 7 * day, "1h=1 hour 1d=1 day 2d=2 days* 3d=3 days 7d=7 days"},
		{"max not in the list", day, 45 * day, "1h=1 hour 1d=1 day* 3d=3 days 7d=7 days 30d=30 days 45d=45 days"},
		{"mixed units", 90 * time.Minute, 36 * time.Hour, "1h=1 hour 90m=1 hour 30 minutes* 1d=1 day 36h=1 day 12 hours"},
		{"a year and more", 7 * day, 400 * day, "1h=1 hour 1d=1 day 3d=3 days 7d=7 days* 30d=30 days 90d=90 days " +
			"365d=365 days 400d=400 days"},
		{"seconds", 90 * time.Second, time.Hour, "90s=1 minute 30 seconds* 1h=1 hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := share.Limits{DefaultExpiresIn: tt.def, MaxExpiresIn: tt.max}
			var got []string
			for _, c := range expiryChoices(lim) {
				s := c.Value + "=" + c.Label
				if c.Selected {
					s += "*"
				}
				got = append(got, s)
				form := map[string]string{"expires_in": c.Value}
				o, err := share.ParseOptions(func(k string) string { return form[k] }, "", lim)
				if err != nil {
					t.Errorf("the server refuses the choice %s: %v", c.Value, err)
				}
				if c.Selected && o.ExpiresIn != tt.def {
					t.Errorf("the selected %s is read as %v, not the default %v", c.Value, o.ExpiresIn, tt.def)
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("choices\n %s\nwant\n %s", g, tt.want)
			}
		})
	}
}

// TestFilesPageExpiry: the files page offers the server's own limits
// (1 day by default, 7 days at most, in tests).
func TestFilesPageExpiry(t *testing.T) {
	st := newStack(t, nil)
	res, err := browserSession(t, st, "correct horse battery").Get(st.url + "/files")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	want := `<select name="expires_in">
<option value="1h">1 hour</option>
<option value="1d" selected>1 day</option>
<option value="3d">3 days</option>
<option value="7d">7 days</option>
</select>`
	if !strings.Contains(string(page), want) {
		t.Errorf("the files page does not hold\n%s\n%s", want, page)
	}
}
