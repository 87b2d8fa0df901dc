package backing

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/postgres"
)

// Unavailable reports whether err is a backing service failing to do any
// work: Postgres, Redis or object storage down, restarting, full, slow
// past its deadline, or dropping the connection mid-request. Such a
// failure is answered 503 with Retry-After, never 500, which is kept for
// Ferry's own bugs. Errors of the client's own body are told apart before
// this is asked (storage.ErrIncompleteBody).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	return postgres.Unavailable(err) || redisUnavailable(err) || storeUnavailable(err) || networkFailure(err)
}

// networkFailure is a connection refused, reset or cut short, or a dial
// or read that timed out: whichever service it was, it did not answer.
// The Redis client reports a connection closed under it as a bare io.EOF;
// the client's own body never ends up here (storage.ErrIncompleteBody).
func networkFailure(err error) bool {
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ETIMEDOUT, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// redisUnavailable is the Redis client out of connections or closed, or a
// server that is loading its data or lost its primary.
func redisUnavailable(err error) bool {
	if errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	for _, prefix := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	return false
}

// storeUnavailable is an S3 answer of 5xx or 429 (SlowDown), the SDK
// giving up after its retries, or a retry it could not make because an
// upload's body cannot be read twice.
func storeUnavailable(err error) bool {
	if re, ok := errors.AsType[*smithyhttp.ResponseError](err); ok {
		code := re.HTTPStatusCode()
		return code >= http.StatusInternalServerError || code == http.StatusTooManyRequests
	}
	if _, ok := errors.AsType[*awsretry.MaxAttemptsError](err); ok {
		return true
	}
	// The SDK's retry middleware says so only in words.
	return strings.Contains(err.Error(), "failed to rewind transport stream")
}
