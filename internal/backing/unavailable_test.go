package backing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/ferryhq/ferry/internal/postgres"
)

// TestUnavailable holds the classifier to every way a backing service
// fails that Ferry answers 503, and to the failures that are not the
// service's, which it must not hide as outages.
func TestUnavailable(t *testing.T) {
	connectErr := realConnectError(t)
	s3Status := func(code int) error {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("api error")}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"postgres refuses the connection", connectErr, true},
		{"postgres admin shutdown mid-query (57P01)", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres crash shutdown (57P02)", &pgconn.PgError{Code: "57P02"}, true},
		{"postgres starting up (57P03)", &pgconn.PgError{Code: "57P03"}, true},
		{"postgres full (53300)", &pgconn.PgError{Code: "53300"}, true},
		{"postgres disk full (53100)", &pgconn.PgError{Code: "53100"}, true},
		{"postgres connection failure (08006)", &pgconn.PgError{Code: "08006"}, true},
		{"postgres I/O error (58030)", &pgconn.PgError{Code: "58030"}, true},
		{"postgres conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"postgres unique violation is a conflict", &pgconn.PgError{Code: "23505"}, false},
		{"postgres foreign key is a missing row", postgres.Classify(&pgconn.PgError{Code: "23503"}), false},
		{"postgres syntax error is a bug", &pgconn.PgError{Code: "42601"}, false},
		{"postgres query cancelled", &pgconn.PgError{Code: "57014"}, false},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"a stream cut short", fmt.Errorf("read object: %w", io.ErrUnexpectedEOF), true},
		{"redis connection closed under it", fmt.Errorf("rate limit: %w", io.EOF), true},
		{"redis pool timeout", redis.ErrPoolTimeout, true},
		{"redis closed", redis.ErrClosed, true},
		{"redis loading", redisError("LOADING Redis is loading the dataset in memory"), true},
		{"redis wrong type is a bug", redisError("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"s3 503 slow down", s3Status(503), true},
		{"s3 500", s3Status(500), true},
		{"s3 429", s3Status(429), true},
		{"s3 403 is a misconfiguration", s3Status(403), false},
		{"s3 404", s3Status(404), false},
		{"s3 retries exhausted", &awsretry.MaxAttemptsError{Attempt: 3, Err: errors.New("timeout")}, true},
		{"s3 body cannot rewind", fmt.Errorf("put object: failed to rewind transport stream for retry, %w", errors.New("seek")), true},
		// The words the chaos suite saw when versitygw was killed mid-upload.
		{"s3 unseekable body on a retry", fmt.Errorf("operation error S3: PutObject, failed to rewind transport stream for retry, %w", errors.New("request stream is not seekable")), true},
		// The signer and the checksum rewind on the first attempt, before
		// the store was asked anything: Ferry handed over the wrong body.
		{"s3 unseekable body before any attempt is a bug", errors.New("operation error S3: PutObject, compute input checksum: request stream is not seekable"), false},
		{"a backing call past its deadline", context.DeadlineExceeded, true},
		{"the client hung up", context.Canceled, false},
		{"anything else", errors.New("nil map"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unavailable(fmt.Errorf("wrapped: %w", tt.err)); tt.err != nil && got != tt.want {
				t.Errorf("Unavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err == nil && Unavailable(nil) {
				t.Error("Unavailable(nil) = true")
			}
		})
	}
}

// realConnectError is what pgx returns when nothing listens at the port.
func realConnectError(t *testing.T) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := pgconn.Connect(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("connected to port 1")
	}
	return err
}

type redisError string

func (e redisError) Error() string { return string(e) }
func (e redisError) RedisError()   {}
