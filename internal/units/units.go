// Package units parses and prints the human quantities Ferry accepts from
// operators and users: byte sizes such as "10GiB" and durations such as "7d".
package units

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bytes is a size in bytes that reads and prints with binary or decimal units.
type Bytes int64

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1000, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1000 * 1000, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1000 * 1000 * 1000, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1000 * 1000 * 1000 * 1000, "tib": 1 << 40,
}

// ErrSyntax reports a value that is not a number with an optional unit.
var ErrSyntax = errors.New("not a number with an optional unit")

// ParseBytes reads "1048576", "512MB", "10GiB" or "1.5 GiB" (units are case
// insensitive; a bare K, M, G or T is binary). Negative sizes are refused.
func ParseBytes(s string) (Bytes, error) {
	num, unit := splitNumber(strings.TrimSpace(s))
	mult, ok := byteUnits[strings.ToLower(strings.TrimSpace(unit))]
	if num == "" || !ok {
		return 0, fmt.Errorf("%q: %w (for example 500MB or 10GiB)", s, ErrSyntax)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q: %w (for example 500MB or 10GiB)", s, ErrSyntax)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("%q: too large", s)
	}
	return Bytes(v), nil
}

// splitNumber cuts s after its leading digits and decimal point.
func splitNumber(s string) (num, rest string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return s[:i], s[i:]
}

// UnmarshalText lets configuration loaders read a Bytes.
func (b *Bytes) UnmarshalText(text []byte) error {
	v, err := ParseBytes(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String prints the size with the largest binary unit that divides it
// exactly, so that a printed value reads back to the same number.
func (b Bytes) String() string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// Human prints an approximate size for people, such as "1.5 GiB".
func (b Bytes) Human() string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", int64(b))
	}
	div, exp := int64(unit), 0
	for n := int64(b) / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

// Day is 24 hours; Ferry's durations ignore daylight saving on purpose.
const Day = 24 * time.Hour

// Duration is a time.Duration that also reads whole or fractional days ("7d").
type Duration time.Duration

// ParseDuration reads Go durations ("90m", "1h30m") plus days ("7d", "1d12h").
// Negative durations are refused: nothing in Ferry lasts less than nothing.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration (for example 90m, 24h or 7d)")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("%q: days must be a whole number (for example 7d)", s)
		}
		days, s = time.Duration(n)*Day, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%q: not a duration (for example 90m, 24h or 7d)", s)
	}
	if days+d < days {
		return 0, fmt.Errorf("%q: too long", s)
	}
	return days + d, nil
}

// UnmarshalText lets configuration loaders read a Duration.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// String prints whole days as "7d" and everything else as Go does.
func (d Duration) String() string {
	td := time.Duration(d)
	if td > 0 && td%Day == 0 {
		return strconv.FormatInt(int64(td/Day), 10) + "d"
	}
	return td.String()
}
