package dev

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ensureDevUser creates the dev account on the first start and shows its
// password once, on the terminal that started dev. The password goes to
// the child on stdin and to that terminal, and nowhere else: not into a
// log line, not into the marker file.
func ensureDevUser(ctx context.Context, o Options, env map[string]string, out *prefixer) error {
	marker := filepath.Join(o.Dir, "dev-user")
	if _, err := os.Stat(marker); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dev user marker: %w", err)
	}
	password := rand.Text()[:16] // base32: 80 bits, no characters to confuse
	err := runOnce(ctx, o.Exe, env, out, password+"\n", "admin", "create-user", "--email", DevEmail, "--password-stdin")
	var failed *oneOffError
	switch {
	case errors.As(err, &failed) && strings.Contains(failed.stderr, "already exists"):
		o.Log.Info("dev user already exists; its password is the one shown when it was created", "email", DevEmail)
	case err != nil:
		return fmt.Errorf("create the dev user: %w", err)
	default:
		out.plain(credentials(env["PUBLIC_URL"], DevEmail, password))
	}
	if err := os.WriteFile(marker, []byte(DevEmail+"\n"), 0o644); err != nil {
		return fmt.Errorf("remember the dev user: %w", err)
	}
	return nil
}

// credentials draws a box around the sign-in details so they stand out
// among the children's log lines.
func credentials(url, email, password string) string {
	lines := []string{
		"Dev user created. The password is shown only this once.",
		"",
		"  sign in at  " + url,
		"  email       " + email,
		"  password    " + password,
	}
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n+%s+\n", strings.Repeat("-", width+2))
	for _, l := range lines {
		fmt.Fprintf(&b, "| %s%s |\n", l, strings.Repeat(" ", width-utf8.RuneCountInString(l)))
	}
	fmt.Fprintf(&b, "+%s+\n\n", strings.Repeat("-", width+2))
	return b.String()
}
