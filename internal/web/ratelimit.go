package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
)

// Limits shared by every replica through Redis, each keyed by client
// group (clientKey) unless it says otherwise. They count requests; the
// rules for wrong passwords, which count failures, are in guesses.go.
var (
	anonymousUploadRate = redis_rate.PerHour(30)
	// Attempts at one share's password from one client group.
	unlockClientRate = redis_rate.PerMinute(10)
	// Sign-in attempts from one client group, whatever the account.
	loginRate = redis_rate.PerMinute(10)
	// Password changes of one signed-in user.
	passwordChangeRate = redis_rate.PerMinute(10)
	// Uses of sign-up links from one client group: each checks a
	// password, so they are limited like sign-ins.
	confirmRate = redis_rate.PerMinute(10)
	// Test events one user sends, so that the button cannot make Ferry
	// flood someone else's server.
	webhookTestRate = redis_rate.PerMinute(10)
	// Recipients one user sends links to by mail, so that Ferry is no
	// way to mail strangers in bulk.
	shareSendRate = redis_rate.PerHour(50)
)

// sendShare mails u's share id to m's recipients, each spending one of
// u's shareSendRate; a sending over what is left is refused whole.
func (s *Server) sendShare(r *http.Request, u account.User, id string, m share.Send) error {
	if !s.Sharing.MailsLinks() {
		return sharing.ErrMailOff
	}
	if err := s.limitN(r.Context(), "share-send:"+u.ID, shareSendRate, len(m.To)); err != nil {
		return err
	}
	return s.Sharing.SendShare(r.Context(), u, id, m)
}

// sendTestEvent queues a test event to u's webhook id, within
// webhookTestRate.
func (s *Server) sendTestEvent(r *http.Request, u account.User, id string) (string, error) {
	if err := s.limit(r.Context(), "webhook-test:"+u.ID, webhookTestRate); err != nil {
		return "", err
	}
	return s.Sharing.TestWebhook(r.Context(), u, id)
}

// limitConfirm spends one use of a sign-up link from the client's group.
func (s *Server) limitConfirm(r *http.Request) error {
	return s.limit(r.Context(), "confirm:"+clientKey(r, s.Settings.TrustedProxies), confirmRate)
}

// limitSignup spends one signup of the client's hourly allowance and of
// everyone's, before the body is read and so before any password is
// hashed: a flood of signups costs a Redis round trip each, not 19 MiB.
func (s *Server) limitSignup(r *http.Request) error {
	perClient, total := s.Settings.SignupRateClient, s.Settings.SignupRateTotal
	if perClient <= 0 {
		perClient = 5
	}
	if total <= 0 {
		total = 100
	}
	if err := s.limit(r.Context(), "signup:"+clientKey(r, s.Settings.TrustedProxies), redis_rate.PerHour(perClient)); err != nil {
		return err
	}
	return s.limit(r.Context(), "signup", redis_rate.PerHour(total))
}

// limit spends one request of key's allowance, or answers 429.
func (s *Server) limit(ctx context.Context, key string, rate redis_rate.Limit) error {
	return s.limitN(ctx, key, rate, 1)
}

// limitN spends n of key's allowance at once, or none and answers 429.
func (s *Server) limitN(ctx context.Context, key string, rate redis_rate.Limit, n int) error {
	if s.limiter == nil {
		return nil
	}
	res, err := s.limiter.AllowN(ctx, s.Settings.RedisPrefix+"rate:"+key, rate, n)
	if err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if res.Allowed == 0 {
		e := apiError(http.StatusTooManyRequests, "rate_limited", "too many attempts; wait and try again")
		e.RetryAfter = res.RetryAfter
		return e
	}
	return nil
}
