package admin

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/units"
)

// createUser: create-user --email E (--password-stdin | --password-file F)
// [--admin].
func createUser(ctx context.Context, args []string, s IO, b Backends) error {
	var admin *bool
	email, password, err := parseCredentials("create-user", "the new user's email address", args, s, func(fs *flag.FlagSet) {
		admin = fs.Bool("admin", false, "give the new user the admin role")
	})
	if err != nil {
		return err
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	var u account.User
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if u, err = account.CreateUser(ctx, tx, email, password); err != nil || !*admin {
			return err
		}
		if u, err = account.SetRole(ctx, tx, u.Email, account.RoleAdmin); err != nil {
			return err
		}
		return recordRole(ctx, tx, u)
	})
	switch {
	case errors.Is(err, account.ErrEmailTaken):
		return fmt.Errorf("user %s already exists", strings.TrimSpace(email))
	case errors.Is(err, account.ErrInvalidEmail):
		return fmt.Errorf("%q is not an email address", email)
	case err != nil:
		return err // the password errors already read well
	}
	role := ""
	if u.IsAdmin() {
		role = "admin "
	}
	_, err = fmt.Fprintf(s.Stdout, "created %suser %s (%s)\n", role, u.Email, u.ID)
	return err
}

// parseCredentials parses the flags of a command that sets a user's
// password: --email, and the password from --password-stdin or
// --password-file. --password is refused, since a password on the
// command line ends up in shell history and ps.
// extra adds a command's own flags.
func parseCredentials(cmd, emailUsage string, args []string, s IO, extra ...func(*flag.FlagSet)) (email, password string, err error) {
	fs := newFlags(cmd)
	for _, add := range extra {
		add(fs)
	}
	e := fs.String("email", "", emailUsage)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	file := fs.String("password-file", "", "read the password from the first line of `file`")
	onCmdLine := fs.String("password", "", "refused: use --password-stdin")
	if err := parse(fs, args, s); err != nil {
		return "", "", err
	}
	switch {
	case *onCmdLine != "":
		return "", "", usagef("%s: --password is refused: a password on the command line ends up in shell history and ps; use --password-stdin or --password-file", cmd)
	case *e == "":
		return "", "", usagef("%s: --email is required", cmd)
	case *fromStdin == (*file != ""):
		return "", "", usagef("%s: give one of --password-stdin or --password-file", cmd)
	}
	password, err = readPassword(s.Stdin, *file)
	return *e, password, err
}

// readPassword reads the first line of file, or of stdin when file is "",
// without its line ending. It reads little more than the longest password
// allowed, so an over-long one is refused as such.
func readPassword(stdin io.Reader, file string) (string, error) {
	r := stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, account.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// createToken: create-token --email E --name N [--scopes S,S] [--expires D].
// Only the token goes to stdout, so that TOKEN=$(ferry admin create-token
// ...) works.
func createToken(ctx context.Context, args []string, s IO, b Backends) error {
	fs := newFlags("create-token")
	email := fs.String("email", "", "the email of the user the token acts as")
	name := fs.String("name", "", "what the token is for, such as \"ci\"")
	scopes := fs.String("scopes", "", "comma-separated scopes (files:read, files:write, files:delete, shares:write, requests:write, account, admin: only for an admin); every scope if unset")
	expires := fs.String("expires", "", "lifetime such as 90m, 24h or 30d; never expires if unset")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usagef("create-token: --email and --name are required")
	}
	opts, err := tokenOptions(*scopes, *expires)
	if err != nil {
		return err
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	u, err := account.UserByEmail(ctx, db, *email)
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("no user with email %s", strings.TrimSpace(*email))
	}
	if err != nil {
		return err
	}
	_, plain, err := account.CreateTokenWith(ctx, db, u.ID, *name, opts)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(s.Stdout, plain); err != nil {
		return err
	}
	fmt.Fprintf(s.Stderr, "created token %q for %s; it is shown only this once\n", strings.TrimSpace(*name), u.Email)
	return nil
}

// tokenOptions reads --scopes and --expires; a mistake in either is a
// usage error, found before the database is asked anything.
func tokenOptions(scopes, expires string) (account.TokenOptions, error) {
	var list []string
	if scopes != "" {
		list = strings.Split(scopes, ",")
	}
	o, err := account.ParseTokenOptions(list, expires)
	switch {
	case errors.Is(err, account.ErrUnknownScope):
		return o, usagef("create-token: --scopes: %v", err)
	case errors.Is(err, account.ErrInvalidExpiresIn):
		return o, usagef("create-token: --expires must be a duration such as 90m, 24h or 30d")
	}
	return o, err
}

// stats prints instance-wide counts.
func stats(ctx context.Context, args []string, s IO, b Backends) error {
	if err := parse(newFlags("stats"), args, s); err != nil {
		return err
	}
	db, err := b.DB(ctx)
	if err != nil {
		return err
	}
	t, err := account.Stats(ctx, db)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Stdout, "users:        %d\nfiles:        %d\nbytes stored: %s (%d bytes)\ndownloads today: %d\n",
		t.Users, t.Files, units.Bytes(t.Bytes).Human(), t.Bytes, t.DownloadsToday)
	return err
}
