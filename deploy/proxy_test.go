package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProxyConfigs: the reverse proxies in front of web drop a replica
// that has begun to stop before it stops accepting. Caddy checks /ready
// more often than DRAIN_DELAY lasts; nginx OSS, which cannot check, moves
// requests on when a replica refuses them or answers 503, and marks it
// failed.
func TestProxyConfigs(t *testing.T) {
	t.Parallel()
	delay := time.Duration(defaults(t).DrainDelay)
	tests := []struct {
		name, file string
		want       []string // regular expressions, each matching a line
		check      func(t *testing.T, text string)
	}{
		{"caddy", "compose/Caddyfile", []string{`^health_uri /ready$`, `^health_status 200$`, `^lb_try_duration \S+$`}, func(t *testing.T, text string) {
			m := regexp.MustCompile(`(?m)^\s*health_interval (\S+)$`).FindStringSubmatch(text)
			if m == nil {
				t.Fatal("no health_interval")
			}
			if every, err := time.ParseDuration(m[1]); err != nil || every >= delay {
				t.Errorf("health_interval %s, want shorter than DRAIN_DELAY %v so the check sees /ready 503 in time", m[1], delay)
			}
		}},
		{"nginx", "nginx/ferry.conf", []string{`^proxy_next_upstream error timeout http_503;$`, `^client_max_body_size 0;$`, `^proxy_request_buffering off;$`}, func(t *testing.T, text string) {
			servers := regexp.MustCompile(`(?m)^\s*server \S+:\d+ .*max_fails=\d+.*;$`).FindAllString(text, -1)
			if len(servers) < 2 {
				t.Errorf("%d upstream servers with max_fails, want 2", len(servers))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			for _, want := range tt.want {
				re := regexp.MustCompile(`(?m)` + strings.Replace(want, "^", `^\s*`, 1))
				if !re.MatchString(text) {
					t.Errorf("no line matching %s", want)
				}
			}
			tt.check(t, text)
		})
	}
}
