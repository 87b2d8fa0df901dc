package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/ferryhq/ferry/internal/testkit"
)

func TestUsageAndHelp(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int
		want     string // in stdout or stderr
		notWant  string
	}{
		{nil, 2, "Commands:", ""},
		{[]string{"--help"}, 0, "worker", "\n  audit "}, // no twelve-factor audit command (admin audit is the audit log)
		{[]string{"--help"}, 0, "Client commands (FERRY_URL, FERRY_TOKEN):\n  send", ""},
		{[]string{"send", "--help"}, 0, "--password-stdin", "DATABASE_URL"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`, ""},
		// The audit is its own program now (twelvefactor/cmd/twelvefactor).
		{[]string{"audit", "."}, 2, `unknown command "audit"`, ""},
		{[]string{"web", "--bogus"}, 2, `unknown argument "--bogus"`, ""},
		{[]string{"web", "--help"}, 0, "DRAIN_DELAY", "JOB_TIMEOUT"},
		{[]string{"worker", "--help"}, 0, "METRICS_PORT", "SIGNUP_ENABLED"},
		{[]string{"migrate", "--help"}, 0, "DATABASE_URL", "REDIS_URL"},
		{[]string{"version"}, 0, "ferry v0.0.0-test (commit abc1234", ""},
		{[]string{"admin", "--help"}, 0, "create-user", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"ferry"}, tt.args...), " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, baseEnv(), "", tt.args...)
			all := out + errOut
			if code != tt.wantCode || !strings.Contains(all, tt.want) || (tt.notWant != "" && strings.Contains(all, tt.notWant)) {
				t.Errorf("exit %d, want %d with %q and without %q; output:\n%s", code, tt.wantCode, tt.want, tt.notWant, all)
			}
		})
	}
}

// TestBadConfig: a wrong setting stops the process at once with exit 2 and
// one line naming the variable, never a stack trace or a secret.
func TestBadConfig(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	ok := []string{"DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x", "REDIS_URL=redis://127.0.0.1:1", "BLOB_URL=mem://"}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"port", append(ok, "PORT=abc"), []string{"web"}, "PORT"},
		{"size", append(ok, "MAX_UPLOAD_SIZE=lots"), []string{"web"}, "MAX_UPLOAD_SIZE"},
		{"metrics on the public port", append(ok, "PORT=4000", "METRICS_PORT=4000"), []string{"web"}, "METRICS_PORT"},
		{"pool size", append(ok, "DB_MAX_CONNS=-1"), []string{"web"}, "DB_MAX_CONNS"},
		{"missing database", []string{"BLOB_URL=mem://", "REDIS_URL=redis://x"}, []string{"web"}, "DATABASE_URL"},
		{"missing blob", ok[:2], []string{"web"}, "BLOB_URL"},
		{"bad scheme", []string{"DATABASE_URL=mysql://u:hunter2@db/x"}, []string{"migrate"}, "DATABASE_URL"},
		{"production file storage", append(ok[:2], "APP_ENV=production", "PUBLIC_URL=https://f.example", "BLOB_URL=file:///tmp"), []string{"web"}, "BLOB_URL"},
		{"production plain http", append(ok, "APP_ENV=production", "PUBLIC_URL=http://f.example"), []string{"web"}, "PUBLIC_URL"},
		{"password on the command line", ok, []string{"admin", "create-user", "--email", "a@b.c", "--password", "hunter2hunter2"}, "password-stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, baseEnv(tt.env...), "", tt.args...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 2 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 naming %s", code, errOut, tt.want)
			}
			if strings.Contains(out+errOut, "hunter2") || strings.Contains(errOut, "goroutine") {
				t.Errorf("output leaks a secret or a stack trace:\n%s%s", out, errOut)
			}
		})
	}
}

// TestPortInUse: web stops with a message naming the cause when either
// of its ports is taken.
func TestPortInUse(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	used, free := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), strconv.Itoa(freePort(t))
	for _, tc := range []struct{ name, port, metricsPort string }{
		{"PORT", used, free},
		{"METRICS_PORT", free, used},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv("PORT="+tc.port, "METRICS_PORT="+tc.metricsPort, "DATABASE_URL=postgres://127.0.0.1:1/x", "REDIS_URL=redis://127.0.0.1:1", "BLOB_URL=mem://")
			code, _, errOut := run(t, env, "", "web")
			if code != 1 || !strings.Contains(errOut, "another process") || !strings.Contains(errOut, ":"+used) {
				t.Errorf("web with %s in use: exit %d, stderr %q", tc.name, code, errOut)
			}
		})
	}
}
