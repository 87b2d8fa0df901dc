package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-redis/redis_rate/v10"
)

// Limits shared by every replica through Redis.
var (
	anonymousUploadRate = redis_rate.PerHour(30)
	// Guesses at one share's password from one client, and from everyone:
	// the first slows a person, the second a botnet.
	unlockClientRate = redis_rate.PerMinute(10)
	unlockShareRate  = redis_rate.PerHour(200)
	loginRate        = redis_rate.PerMinute(10)
)

// limit spends one request of key's allowance, or answers 429.
func (s *Server) limit(ctx context.Context, key string, rate redis_rate.Limit) error {
	if s.limiter == nil {
		return nil
	}
	res, err := s.limiter.Allow(ctx, s.Settings.RedisPrefix+"rate:"+key, rate)
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
