package share

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/units"
)

func TestParseOptions(t *testing.T) {
	lim := Limits{DefaultExpiresIn: 7 * units.Day, MaxExpiresIn: 30 * units.Day}
	tests := []struct {
		name      string
		q         map[string]string
		want      Options
		wantField string
	}{
		{"defaults", nil, Options{ExpiresIn: 7 * units.Day}, ""},
		{"minutes", map[string]string{"expires_in": "90m"}, Options{ExpiresIn: 90 * time.Minute}, ""},
		{"days and limit", map[string]string{"expires_in": "2d", "max_downloads": "5", "notify": "true"}, Options{ExpiresIn: 2 * units.Day, MaxDownloads: 5, Notify: true}, ""},
		{"too long", map[string]string{"expires_in": "31d"}, Options{}, "expires_in"},
		{"garbage expiry", map[string]string{"expires_in": "soon"}, Options{}, "expires_in"},
		{"zero expiry", map[string]string{"expires_in": "0s"}, Options{}, "expires_in"},
		{"zero downloads", map[string]string{"max_downloads": "0"}, Options{}, "max_downloads"},
		{"negative downloads", map[string]string{"max_downloads": "-2"}, Options{}, "max_downloads"},
		{"bad notify", map[string]string{"notify": "maybe"}, Options{}, "notify"},
	}
	for _, tt := range tests {
		got, err := ParseOptions(func(k string) string { return tt.q[k] }, "", lim)
		var fe *FieldError
		if tt.wantField != "" {
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Errorf("%s: err %v, want a FieldError on %s", tt.name, err, tt.wantField)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewToken()
		if len(tok) != 22 || seen[tok] {
			t.Fatalf("token %q: wrong length or repeated", tok)
		}
		seen[tok] = true
	}
}

func TestParseEdit(t *testing.T) {
	t.Parallel()
	lim := Limits{DefaultExpiresIn: time.Hour, MaxExpiresIn: 24 * time.Hour}
	s := func(v string) *string { return &v }
	tests := []struct {
		name             string
		expires, max, pw *string
		want             string // expiry, limit, password; "-" for unchanged
		wantErr          string // the field at fault
	}{
		{"nothing", nil, nil, nil, "- - -", ""},
		{"all", s("2h"), s("3"), s("pw"), "2h0m0s 3 pw", ""},
		{"empty expiry is unchanged, empty limit is none", s(""), s(""), s(""), "- 0 ", ""},
		{"too long", s("2d"), nil, nil, "", "expires_in"},
		{"zero downloads", nil, s("0"), nil, "", "max_downloads"},
		{"password on two lines", nil, nil, s("a\nb"), "", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEdit(tt.expires, tt.max, tt.pw, lim)
			if tt.wantErr != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantErr {
					t.Fatalf("ParseEdit = %v, want a FieldError on %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := showEdit(e); got != tt.want {
				t.Errorf("ParseEdit = %q, want %q", got, tt.want)
			}
		})
	}
}

func showEdit(e Edit) string {
	out := []string{"-", "-", "-"}
	if e.ExpiresIn != nil {
		out[0] = e.ExpiresIn.String()
	}
	if e.MaxDownloads != nil {
		out[1] = strconv.Itoa(*e.MaxDownloads)
	}
	if e.Password != nil {
		out[2] = *e.Password
	}
	return strings.Join(out, " ")
}
