package admin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		stdout, err string
		usage       bool
	}{
		{name: "create an admin", stdin: "long enough pw\n", args: []string{"create-user", "--email", "root@x.example", "--password-stdin", "--admin"},
			stdout: "created admin user root@x.example ("},
		{name: "create a user", stdin: "long enough pw\n", args: []string{"create-user", "--email", "u@x.example", "--password-stdin"},
			stdout: "created user u@x.example ("},
		{name: "promote", args: []string{"set-role", "--email", "U@x.example", "--role", "admin"}, stdout: "u@x.example is now admin\n"},
		{name: "demote", args: []string{"set-role", "--email", "u@x.example", "--role", "user"}, stdout: "u@x.example is now user\n"},
		{name: "the last admin", args: []string{"set-role", "--email", "root@x.example", "--role", "user"},
			err: account.ErrLastAdmin.Error()},
		{name: "unknown user", args: []string{"set-role", "--email", "nobody@x.example", "--role", "admin"}, err: "no user nobody@x.example"},
		{name: "unknown role", args: []string{"set-role", "--email", "u@x.example", "--role", "root"}, usage: true,
			err: "set-role: --role must be admin or user"},
		{name: "no email", args: []string{"set-role", "--role", "user"}, usage: true, err: "set-role: --email is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, db, tc.stdin, tc.args...)
			if got := errText(r.err); got != tc.err || isUsage(r.err) != tc.usage {
				t.Fatalf("error %q (usage %v), want %q (usage %v)", got, isUsage(r.err), tc.err, tc.usage)
			}
			if !strings.HasPrefix(r.stdout, tc.stdout) {
				t.Errorf("stdout %q, want %q...", r.stdout, tc.stdout)
			}
		})
	}
	u, err := account.UserByEmail(context.Background(), db, "root@x.example")
	if err != nil || !u.IsAdmin() {
		t.Fatalf("root is %v, %v", u.Role, err)
	}

	r := run(t, db, "", "audit", "--since", "1h", "--type", "admin_role_changed")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.err != nil || len(lines) != 3 {
		t.Fatalf("audit: %v, %d lines: %q", r.err, len(lines), r.stdout)
	}
	var first struct {
		Type      string         `json:"type"`
		SubjectID string         `json:"subject_id"`
		Details   map[string]any `json:"details"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.SubjectID != u.ID || first.Details["to"] != "admin" {
		t.Errorf("first line %q: %v", lines[0], err)
	}
	if r := run(t, db, "", "audit", "--since", "soon"); !isUsage(r.err) {
		t.Errorf("--since soon: %v", r.err)
	}
}
