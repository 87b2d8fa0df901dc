package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// expiryChoice is one option of the upload form's "Expires in" list.
type expiryChoice struct {
	Value    string // what the form sends as expires_in, such as "7d"
	Label    string // what a person reads, such as "7 days"
	Selected bool   // the operator's default
}

// standardExpiries are the lifetimes the upload form offers when the
// operator's maximum allows them.
var standardExpiries = []time.Duration{
	time.Hour, units.Day, 3 * units.Day, 7 * units.Day, 30 * units.Day, 90 * units.Day, 365 * units.Day,
}

// expiryChoices lists, shortest first, the standard lifetimes up to the
// maximum, plus the default and the maximum themselves; the default is
// selected.
func expiryChoices(lim share.Limits) []expiryChoice {
	var ds []time.Duration
	for _, d := range standardExpiries {
		if d <= lim.MaxExpiresIn {
			ds = append(ds, d)
		}
	}
	for _, d := range []time.Duration{lim.DefaultExpiresIn, lim.MaxExpiresIn} {
		if d > 0 {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	out := make([]expiryChoice, len(ds))
	for i, d := range ds {
		out[i] = expiryChoice{Value: expiryValue(d), Label: expiryLabel(d), Selected: d == lim.DefaultExpiresIn}
	}
	return out
}

// expiryUnits are the units of an expiry, largest first: its suffix in a
// form value and its name in a label.
var expiryUnits = []struct {
	size          time.Duration
	suffix, label string
}{{units.Day, "d", "day"}, {time.Hour, "h", "hour"}, {time.Minute, "m", "minute"}, {time.Second, "s", "second"}}

// expiryValue writes d in the largest whole unit, as units.ParseDuration
// reads it back: "7d", "36h", "90m".
func expiryValue(d time.Duration) string {
	for _, u := range expiryUnits {
		if d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.suffix
		}
	}
	return d.String()
}

// expiryLabel says d in days, hours, minutes and seconds, leaving out
// those that are zero: "1 day 12 hours".
func expiryLabel(d time.Duration) string {
	var parts []string
	for _, u := range expiryUnits {
		if n := d / u.size; n > 0 {
			parts = append(parts, plural(int64(n), u.label))
			d -= n * u.size
		}
	}
	if len(parts) == 0 {
		return d.String()
	}
	return strings.Join(parts, " ")
}

// plural is "1 day" or "n days".
func plural(n int64, unit string) string {
	s := strconv.FormatInt(n, 10) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}
