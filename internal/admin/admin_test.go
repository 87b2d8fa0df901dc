package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.MainNoLeaks(m) }

// result is what one Run printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

func run(t *testing.T, db *pgxpool.Pool, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut},
		func(context.Context) (*pgxpool.Pool, error) { return db, nil })
	return result{out.String(), errOut.String(), err}
}

func isUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("file password 1\r\nsecond line ignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		stdout      string // a regexp
		err         string // the whole message, "" for success
		usage       bool
	}{
		{name: "stdin", stdin: "long enough pw\n", args: []string{"--email", "dev@x.example", "--password-stdin"},
			stdout: `^created user dev@x.example \([0-9a-f-]{36}\)\n$`},
		{name: "file", args: []string{"--email=file@x.example", "--password-file", pwFile},
			stdout: `^created user file@x.example \(`},
		{name: "duplicate", stdin: "long enough pw", args: []string{"--email", "DEV@x.example", "--password-stdin"},
			err: "user DEV@x.example already exists"},
		{name: "short", stdin: "123456789\n", args: []string{"--email", "short@x.example", "--password-stdin"},
			err: "password too short: at least 10 characters"},
		{name: "invalid email", stdin: "long enough pw\n", args: []string{"--email", "nope", "--password-stdin"},
			err: `"nope" is not an email address`},
		{name: "missing file", args: []string{"--email", "a@x.example", "--password-file", pwFile + ".missing"},
			err: "password file: open " + pwFile + ".missing: no such file or directory"},
		{name: "password flag", args: []string{"--email", "a@x.example", "--password", "hunter2hunter2"}, usage: true,
			err: "create-user: --password is refused: a password on the command line ends up in shell history and ps; use --password-stdin or --password-file"},
		{name: "no email", args: []string{"--password-stdin"}, usage: true, err: "create-user: --email is required"},
		{name: "no password source", args: []string{"--email", "a@x.example"}, usage: true,
			err: "create-user: give one of --password-stdin or --password-file"},
		{name: "two password sources", args: []string{"--email", "a@x.example", "--password-stdin", "--password-file", pwFile},
			usage: true, err: "create-user: give one of --password-stdin or --password-file"},
		{name: "unknown flag", args: []string{"--mail", "a@x.example"}, usage: true,
			err: "create-user: flag provided but not defined: -mail"},
		{name: "extra argument", args: []string{"--email", "a@x.example", "--password-stdin", "more"}, usage: true,
			err: `create-user: unexpected argument "more"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, db, tc.stdin, append([]string{"create-user"}, tc.args...)...)
			if got := errText(r.err); got != tc.err || isUsage(r.err) != tc.usage {
				t.Fatalf("error %q (usage %v), want %q (usage %v)", got, isUsage(r.err), tc.err, tc.usage)
			}
			if !regexp.MustCompile(tc.stdout).MatchString(r.stdout) || (tc.stdout == "" && r.stdout != "") {
				t.Errorf("stdout %q, want %s", r.stdout, tc.stdout)
			}
			if strings.Contains(r.stderr+errText(r.err), "hunter2") {
				t.Errorf("the password was echoed: %q", r.stderr)
			}
		})
	}
	// Only the line ending was trimmed from the passwords.
	for email, pw := range map[string]string{"dev@x.example": "long enough pw", "file@x.example": "file password 1"} {
		if _, err := account.CheckPassword(context.Background(), db, email, pw); err != nil {
			t.Errorf("%s cannot log in with %q: %v", email, pw, err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCreateToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	if _, err := account.CreateUser(ctx, db, "dev@x.example", "long enough pw"); err != nil {
		t.Fatal(err)
	}
	r := run(t, db, "", "create-token", "--email", "DEV@x.example", "--name", "ci")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !regexp.MustCompile(`^ferry_[A-Za-z0-9_-]{43}\n$`).MatchString(r.stdout) {
		t.Errorf("stdout %q: want only the token and a newline", r.stdout)
	}
	if !strings.Contains(r.stderr, "shown only this once") {
		t.Errorf("stderr %q lacks the shown-once note", r.stderr)
	}
	if u, _, err := account.Authenticate(ctx, db, strings.TrimSpace(r.stdout)); err != nil || u.Email != "dev@x.example" {
		t.Errorf("the printed token does not authenticate: %+v, %v", u, err)
	}

	r = run(t, db, "", "create-token", "--email", "nobody@x.example", "--name", "ci")
	if errText(r.err) != "no user with email nobody@x.example" || isUsage(r.err) || r.stdout != "" {
		t.Errorf("unknown user: %+v", r)
	}
	r = run(t, db, "", "create-token", "--email", "dev@x.example")
	if errText(r.err) != "create-token: --email and --name are required" || !isUsage(r.err) {
		t.Errorf("missing name: %+v", r)
	}
}

func TestCreateTokenScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	if _, err := account.CreateUser(ctx, db, "dev@x.example", "long enough pw"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		scopes  account.Scopes
		expires time.Duration // 0: never
		err     string
	}{
		{name: "every scope, never expires", scopes: account.AllScopes},
		{name: "scoped", args: []string{"--scopes", "files:read, files:write"}, scopes: account.Scopes{account.ScopeFilesRead, account.ScopeFilesWrite}},
		{name: "expiring", args: []string{"--scopes=account", "--expires", "30d"}, scopes: account.Scopes{account.ScopeAccount}, expires: 30 * 24 * time.Hour},
		{name: "unknown scope", args: []string{"--scopes", "files:read,root"},
			err: "create-token: --scopes: scopes must be some of files:read, files:write, files:delete, shares:write, requests:write, account, admin"},
		{name: "empty scope", args: []string{"--scopes", ","},
			err: "create-token: --scopes: scopes must be some of files:read, files:write, files:delete, shares:write, requests:write, account, admin"},
		{name: "bad expiry", args: []string{"--expires", "soon"}, err: "create-token: --expires must be a duration such as 90m, 24h or 30d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, db, "", append([]string{"create-token", "--email", "dev@x.example", "--name", "ci"}, tc.args...)...)
			if errText(r.err) != tc.err || (tc.err != "") != isUsage(r.err) {
				t.Fatalf("error %q (usage %v), want %q", errText(r.err), isUsage(r.err), tc.err)
			}
			if tc.err != "" {
				return
			}
			_, tok, err := account.AuthenticateToken(ctx, db, strings.TrimSpace(r.stdout))
			if err != nil || !slices.Equal(tok.Scopes, tc.scopes) {
				t.Fatalf("token %+v, %v; want scopes %v", tok, err, tc.scopes)
			}
			if tc.expires == 0 && tok.ExpiresAt != nil || tc.expires != 0 && (tok.ExpiresAt == nil || time.Until(*tok.ExpiresAt) > tc.expires || time.Until(*tok.ExpiresAt) < tc.expires-time.Minute) {
				t.Errorf("expires_at %v, want in %v", tok.ExpiresAt, tc.expires)
			}
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	u, err := account.CreateUser(ctx, db, "dev@x.example", "long enough pw")
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(ctx, `INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key)
		VALUES ($1, 'f', 1610612736, sha256('x'), 'text/plain', 'k')`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, db, "", "stats")
	want := "users:        1\nfiles:        1\nbytes stored: 1.5 GiB (1610612736 bytes)\ndownloads today: 0\n"
	if r.err != nil || r.stdout != want {
		t.Errorf("stats printed %q, %v; want %q", r.stdout, r.err, want)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "missing command; commands: create-user, set-role, audit, create-token, reset-password, stats, jobs"},
		{[]string{"drop-everything"}, `unknown command "drop-everything"; commands: create-user, set-role, audit, create-token, reset-password, stats, jobs`},
		{[]string{"stats", "now"}, `stats: unexpected argument "now"`},
	} {
		r := run(t, nil, "", tc.args...)
		if errText(r.err) != tc.err || !isUsage(r.err) {
			t.Errorf("Run(%q) = %v, want usage error %q", tc.args, r.err, tc.err)
		}
	}
	r := run(t, nil, "", "create-user", "-h")
	if n := strings.Count(r.stderr, "usage:"); n != 1 {
		t.Errorf("usage printed %d times:\n%s", n, r.stderr)
	}
	if r.err != nil || !strings.Contains(r.stderr, "usage: ferry admin create-user --email E") ||
		!strings.Contains(r.stderr, "-password-stdin") {
		t.Errorf("-h: %v, stderr %q", r.err, r.stderr)
	}
	if u := Usage(); !strings.Contains(u, "create-token    --email E --name N") {
		t.Errorf("Usage() = %q", u)
	}
}

func TestJobs(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	if r := run(t, db, "", "jobs"); r.err != nil || !strings.Contains(r.stdout, "no failed") {
		t.Errorf("jobs on an empty queue: %v %q", r.err, r.stdout)
	}
	var id int64
	err := db.QueryRow(context.Background(), `
		INSERT INTO river_job (kind, args, state, attempt, max_attempts, errors, finalized_at)
		VALUES ('purge', '{}', 'discarded', 3, 3, ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":3,"error":"storage down"}'::jsonb], now())
		RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, db, "", "jobs"); r.err != nil || !strings.Contains(r.stdout, "storage down") || !strings.Contains(r.stdout, "discarded") {
		t.Errorf("jobs: %v %q", r.err, r.stdout)
	}
	if r := run(t, db, "", "jobs", "--retry", fmt.Sprint(id)); r.err != nil {
		t.Errorf("retry: %v", r.err)
	}
	var state string
	_ = db.QueryRow(context.Background(), "SELECT state FROM river_job WHERE id = $1", id).Scan(&state)
	if state != "available" {
		t.Errorf("state after retry = %s", state)
	}
}
