package config

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
)

// Var describes one environment variable, for help text and docs.
type Var struct {
	Name     string
	Default  string
	Help     string
	Secret   bool
	Commands []string
}

// Vars lists every variable Ferry reads, in the order of the Config struct.
func Vars() []Var {
	t := reflect.TypeFor[Config]()
	vars := make([]Var, 0, t.NumField())
	for f := range t.Fields() {
		vars = append(vars, Var{
			Name:     f.Tag.Get("env"),
			Default:  f.Tag.Get("envDefault"),
			Help:     f.Tag.Get("help"),
			Secret:   f.Tag.Get("secret") == "true",
			Commands: strings.Split(f.Tag.Get("cmd"), ","),
		})
	}
	return vars
}

// VarsFor lists the variables the named command reads.
func VarsFor(command string) []Var {
	var out []Var
	for _, v := range Vars() {
		if slices.Contains(v.Commands, "all") || slices.Contains(v.Commands, command) {
			out = append(out, v)
		}
	}
	return out
}

// Example renders .env.example from the struct, so the documented variables
// can never drift from the ones read.
func Example() string {
	var b strings.Builder
	b.WriteString("# Ferry reads its settings only from the environment; this file lists them all.\n")
	b.WriteString("# Generated from internal/config (go test ./internal/config -update). Copy to .env and edit.\n")
	b.WriteString("# Secrets (marked) may instead be read from a file named by NAME_FILE, e.g. DATABASE_URL_FILE.\n")
	for _, v := range Vars() {
		secret := ""
		if v.Secret {
			secret = " Secret."
		}
		fmt.Fprintf(&b, "\n# %s.%s Read by: %s.\n%s=%s\n", v.Help, secret, strings.Join(v.Commands, ", "), v.Name, v.Default)
	}
	return b.String()
}

// Effective lists each variable with the value in force, secrets masked, for
// `ferry config` and the start-up log line.
func (c *Config) Effective() [][2]string {
	v := reflect.ValueOf(*c)
	out := make([][2]string, 0, v.NumField())
	for i, meta := range Vars() {
		value := fmt.Sprint(v.Field(i).Interface())
		if meta.Secret {
			value = MaskURL(value)
		}
		out = append(out, [2]string{meta.Name, value})
	}
	return out
}

// secretParams are query parameter names whose values are masked too, since
// some drivers take keys and signatures in the URL.
var secretParams = []string{"password", "secret", "token", "key", "sig", "credential"}

// MaskURL hides the password and any secret-looking query values of a URL.
// A value that does not parse is hidden whole: it may be all secret.
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "xxxxx"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for name := range q {
		lower := strings.ToLower(name)
		if slices.ContainsFunc(secretParams, func(s string) bool { return strings.Contains(lower, s) }) {
			q.Set(name, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
