package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// guessRule limits password guesses at one kind of target: an account's
// sign-in, a share's password. The rule is built so that strangers'
// wrong guesses never lock out the person who has the password:
//
//   - Failures count per target and client group (clientKey). After
//     freeFailures of them the group waits firstBackoff, doubling with
//     each further failure up to maxBackoff; a success clears its count.
//     Only that group waits: the owner elsewhere is untouched.
//   - Failures at the target from everyone count too. Past targetCap in
//     a window, groups that have failed at the target are refused until
//     the window ends; a group with no failures there still gets its
//     attempt. A botnet thus gets at most targetCap guesses a window
//     plus one per fresh group, and the owner, from a clean client, gets in.
//   - Failures from one subnet (IPv4 /24, IPv6 /48) past subnetCap in a
//     window refuse the whole subnet at that target, clean groups too: a
//     network that rotates through its addresses is one party. Only a
//     neighbour of the attacker's shares that wait.
//
// All counts live in Redis, so every replica applies the same rule.
type guessRule struct {
	kind                     string // in keys and log lines: "login", "unlock"
	freeFailures             int64
	firstBackoff, maxBackoff time.Duration
	memory                   time.Duration // how long a group's failures are remembered after the last
	window                   time.Duration // of targetCap and subnetCap
	targetCap, subnetCap     int64
}

var (
	loginRule = guessRule{kind: "login", freeFailures: 5, firstBackoff: time.Minute, maxBackoff: time.Hour,
		memory: 24 * time.Hour, window: time.Hour, targetCap: 100, subnetCap: 20}
	unlockRule = guessRule{kind: "unlock", freeFailures: 5, firstBackoff: time.Minute, maxBackoff: time.Hour,
		memory: 24 * time.Hour, window: time.Hour, targetCap: 200, subnetCap: 20}
)

// backoff is how long a group waits after its nth failure at a target.
func (g guessRule) backoff(n int64) time.Duration {
	if n < g.freeFailures {
		return 0
	}
	d := g.firstBackoff
	for i := g.freeFailures; i < n && d < g.maxBackoff; i++ {
		d *= 2
	}
	return min(d, g.maxBackoff)
}

// guesses is one request's standing under a rule at one target.
type guesses struct {
	s      *Server
	r      *http.Request
	rule   guessRule
	target string // hashed, so Redis holds no email addresses
	client client
}

// guessesAt prepares the rule's checks for this request at target.
func (s *Server) guessesAt(r *http.Request, rule guessRule, target string) *guesses {
	sum := sha256.Sum256([]byte(target))
	return &guesses{s: s, r: r, rule: rule, target: hex.EncodeToString(sum[:12]), client: clientOf(r, s.Settings.TrustedProxies)}
}

func (g *guesses) key(part string) string {
	return g.s.Settings.RedisPrefix + "guess:" + g.rule.kind + ":" + g.target + ":" + part
}

// check refuses, with 429 and Retry-After, a guess the rule does not
// allow now. It runs before any password is hashed.
func (g *guesses) check(ctx context.Context) error {
	if g.s.Redis == nil {
		return nil
	}
	var lock, allTTL, netTTL *redis.DurationCmd
	var mine, all, nets *redis.StringCmd
	_, err := g.s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		lock = p.PTTL(ctx, g.key("lock:"+g.client.key))
		mine = p.Get(ctx, g.key("fail:"+g.client.key))
		all, allTTL = p.Get(ctx, g.key("all")), p.PTTL(ctx, g.key("all"))
		nets, netTTL = p.Get(ctx, g.key("net:"+g.client.subnet)), p.PTTL(ctx, g.key("net:"+g.client.subnet))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("guess limits: %w", err)
	}
	count := func(c *redis.StringCmd) int64 { n, _ := c.Int64(); return n }
	switch {
	case lock.Val() > 0:
		return g.refuse("backoff", lock.Val())
	case count(nets) >= g.rule.subnetCap:
		return g.refuse("subnet", netTTL.Val())
	case count(mine) > 0 && count(all) >= g.rule.targetCap:
		return g.refuse("target", allTTL.Val())
	}
	return nil
}

// refuse logs why a guess was refused and answers 429.
func (g *guesses) refuse(why string, wait time.Duration) error {
	g.event(g.rule.kind+"_throttled", "limit", why, "retry_after_s", int(wait.Seconds()))
	e := apiError(http.StatusTooManyRequests, "rate_limited", "too many attempts; wait and try again")
	e.RetryAfter = max(wait, time.Second)
	return e
}

// failed counts a wrong guess: the group's own count, which may start or
// lengthen its backoff, the target's and the subnet's.
func (g *guesses) failed(ctx context.Context) error {
	if g.s.Redis == nil {
		return nil
	}
	var mine *redis.IntCmd
	_, err := g.s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		mine = p.Incr(ctx, g.key("fail:"+g.client.key))
		p.PExpire(ctx, g.key("fail:"+g.client.key), g.rule.memory)
		for _, k := range []string{g.key("all"), g.key("net:" + g.client.subnet)} {
			p.SetNX(ctx, k, 0, g.rule.window) // the window starts at its first failure
			p.Incr(ctx, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count failed guess: %w", err)
	}
	wait := g.rule.backoff(mine.Val())
	if g.rule.kind != "login" { // a failed sign-in has its own line, loginEvent's, naming the account
		g.event(g.rule.kind+"_failed", "failures", mine.Val(), "backoff_s", int(wait.Seconds()))
	}
	if wait == 0 {
		return nil
	}
	if err := g.s.Redis.Set(ctx, g.key("lock:"+g.client.key), 1, wait).Err(); err != nil {
		return fmt.Errorf("start backoff: %w", err)
	}
	g.event(g.rule.kind+"_locked_out", "failures", mine.Val(), "backoff_s", int(wait.Seconds()))
	return nil
}

// succeeded forgets the group's failures at the target: the person with
// the password starts afresh. The target's and subnet's counts stay.
func (g *guesses) succeeded(ctx context.Context) error {
	if g.s.Redis == nil {
		return nil
	}
	if err := g.s.Redis.Del(ctx, g.key("fail:"+g.client.key), g.key("lock:"+g.client.key)).Err(); err != nil {
		return fmt.Errorf("clear failed guesses: %w", err)
	}
	return nil
}

// event logs a failed guess or a refusal as a security event, naming the
// target by its hash and the client group it counts.
func (g *guesses) event(name string, attrs ...any) {
	g.s.securityEvent(g.r, name, append([]any{"target", g.target, "client_group", g.client.key}, attrs...)...)
}
