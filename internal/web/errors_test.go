package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/webhook"
)

// TestErrorMapping holds the one table that turns errors into answers:
// every domain error, wrapped as its package returns it, gets its status
// and code; a backing service's failure is a 503; anything else is
// internal.
func TestErrorMapping(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{account.ErrBadSignupToken, 400, "invalid_confirmation"},
		{account.ErrSignupPassword, 401, "wrong_password"},
		{account.ErrEmailTaken, 409, "email_taken"},
		{account.ErrInvalidEmail, 400, "invalid_email"},
		{account.ErrWeakPassword, 400, "weak_password"},
		{account.ErrPasswordTooLong, 400, "weak_password"},
		{account.ErrInvalidTokenName, 400, "invalid_name"},
		{account.ErrUnknownScope, 400, "invalid_field"},
		{account.ErrInvalidExpiresIn, 400, "invalid_field"},
		{account.ErrWrongPassword, 401, "wrong_credentials"},
		{account.ErrMalformedToken, 401, "malformed_token"},
		{account.ErrTokenExpired, 401, "token_expired"},
		{account.ErrDisabled, 401, "account_disabled"},
		{account.ErrUnknownRole, 400, "invalid_field"},
		{account.ErrInvalidQuota, 400, "invalid_field"},
		{account.ErrLastAdmin, 409, "last_admin"},
		{account.ErrBadCursor, 400, "invalid_cursor"},
		{account.ErrBadInvite, 400, "invalid_invite"},
		{account.ErrInviteExpiresIn, 400, "invalid_field"},
		{audit.ErrBadCursor, 400, "invalid_cursor"},
		{account.ErrAdminScope, 403, "forbidden"},
		{account.ErrNotFound, 404, "not_found"},
		{account.ErrOverQuota, 413, "over_quota"},
		{account.ErrBusy, 503, "unavailable"},
		{files.ErrNotFound, 404, "not_found"},
		{filerequest.ErrNotFound, 404, "not_found"},
		{filerequest.ErrGone, 410, "gone"},
		{filerequest.ErrLocked, 401, "password_required"},
		{filerequest.ErrTooManyFiles, 409, "request_full"},
		{filerequest.ErrFull, 413, "too_large"},
		{filerequest.ErrOwnerQuota, 413, "over_quota"},
		{webhook.ErrUnknownEvent, 400, "invalid_field"},
		{webhook.ErrInvalidURL, 400, "invalid_url"},
		{webhook.ErrPrivate, 400, "private_address"},
		{webhook.ErrUnresolvable, 400, "unresolvable_host"},
		{webhook.ErrTooMany, 409, "too_many_webhooks"},
		{webhook.ErrNotFound, 404, "not_found"},
		{fmt.Errorf("get webhook: %w", webhook.ErrNotFound), 404, "not_found"},
		{files.ErrNoLongerPending, 503, "unavailable"},
		{sharing.ErrTooLarge, 413, "too_large"},
		{&sharing.LimitError{Err: sharing.ErrTooLarge, Limit: 10 << 30}, 413, "too_large"},
		{&sharing.LimitError{Err: account.ErrOverQuota, Limit: 1536 << 10}, 413, "over_quota"},
		{sharing.ErrNoFiles, 400, "invalid_multipart"},
		{sharing.ErrMailOff, 409, "mail_not_configured"},
		{storage.ErrIncompleteBody, 400, "incomplete_body"},
		{fmt.Errorf("%w: %w", storage.ErrIncompleteBody, refused), 400, "incomplete_body"}, // the client's connection, not a service's
		{storage.ErrLength, 400, "length_mismatch"},
		{filename.ErrEmpty, 400, "invalid_name"},
		{filename.ErrClimb, 400, "invalid_name"},
		{filename.ErrControl, 400, "invalid_name"},
		{filename.ErrTooLong, 400, "invalid_name"},
		{files.ErrBadCursor, 400, "invalid_cursor"},
		{files.ErrBadListing, 400, "invalid_parameter"},
		{share.ErrUnknownFile, 404, "not_found"},
		{share.ErrNotFound, 404, "not_found"},
		{share.ErrGone, 410, "gone"},
		{share.ErrLocked, 401, "password_required"},
		{&share.FieldError{Field: "expires_in", Message: "too long"}, 400, "invalid_field"},
		{postgres.ErrMissingReference, 409, "conflict"},
		{postgres.ErrConflict, 409, "conflict"},
		{errTooManyFiles, 400, "invalid_multipart"},
		{resumable.ErrNotFound, 404, "not_found"},
		{resumable.ErrExpired, 410, "gone"},
		{resumable.ErrLengthRequired, 413, "length_required"},
		{refused, 503, "unavailable"},
		{fmt.Errorf("read object: %w", syscall.ECONNRESET), 503, "unavailable"},
		{errors.New("a bug of ours"), 500, "internal_error"},
	}
	seen := map[error]bool{}
	for _, tt := range tests {
		seen[tt.err] = true
		t.Run(tt.err.Error(), func(t *testing.T) {
			e := toHTTP(fmt.Errorf("some context: %w", tt.err))
			if e == nil {
				e = errInternal
			}
			if e.Status != tt.status || e.Code != tt.code {
				t.Errorf("got %d %s, want %d %s", e.Status, e.Code, tt.status, tt.code)
			}
			if e.Status == http.StatusServiceUnavailable && e.RetryAfter == 0 {
				t.Error("a 503 without Retry-After")
			}
		})
	}
	for _, d := range domainErrors {
		if !seen[d.err] {
			t.Errorf("domainErrors row %v has no case here", d.err)
		}
	}
}

// TestErrorWording holds the answers whose words or headers tell a
// client what to do: the limit a refused upload passed, and which way a
// token failed, with the Bearer challenge.
func TestErrorWording(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		message   string
		challenge string
	}{
		{"size limit", &sharing.LimitError{Err: sharing.ErrTooLarge, Limit: 10 << 30}, "the upload is larger than MAX_UPLOAD_SIZE (10 GiB)", ""},
		{"quota left", &sharing.LimitError{Err: account.ErrOverQuota, Limit: 1536 << 10}, "the upload does not fit in your storage quota: 1.5 MiB left", ""},
		{"quota full", &sharing.LimitError{Err: account.ErrOverQuota, Limit: 0}, "the upload does not fit in your storage quota: 0 B left", ""},
		{"no token", errUnauthorized, errUnauthorized.Message, `Bearer realm="ferry"`},
		{"malformed", account.ErrMalformedToken, errMalformedToken.Message, `Bearer realm="ferry", error="invalid_token", error_description="malformed_token"`},
		{"unknown", errInvalidToken, errInvalidToken.Message, `Bearer realm="ferry", error="invalid_token", error_description="invalid_token"`},
		{"expired", account.ErrTokenExpired, errTokenExpired.Message, `Bearer realm="ferry", error="invalid_token", error_description="token_expired"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := toHTTP(fmt.Errorf("wrapped: %w", tt.err))
			if e == nil || e.Message != tt.message {
				t.Fatalf("got %+v, want message %q", e, tt.message)
			}
			rec := httptest.NewRecorder()
			writeError(rec, nil, e)
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
		})
	}
}

// TestAbandonedRequest: a failure of a request whose client has gone is
// logged at info as abandoned and counted as 499, not as Ferry's 500 or
// an outage's 503; a client still there gets the failure's own answer.
func TestAbandonedRequest(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name   string
		err    error
		gone   bool
		status int
		level  string
	}{
		{"bug, client there", errors.New("a bug of ours"), false, 500, "ERROR"},
		{"bug, client gone", fmt.Errorf("read: %w", context.Canceled), true, 499, "INFO"},
		{"outage, client there", refused, false, 503, "ERROR"},
		{"outage, client gone", refused, true, 499, "INFO"},
		{"refusal, client gone", share.ErrGone, true, 410, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := &Server{Deps: Deps{Log: slog.New(slog.NewJSONHandler(&logs, nil))}}
			ctx, cancel := context.WithCancel(context.Background())
			if tt.gone {
				cancel()
			}
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/s/x", nil)
			if e := s.answerFor(r, tt.err); e.Status != tt.status {
				t.Errorf("status %d, want %d", e.Status, tt.status)
			}
			if tt.level == "" && logs.Len() > 0 {
				t.Errorf("logged %s, want nothing", logs.String())
			}
			if tt.level != "" && !strings.Contains(logs.String(), `"level":"`+tt.level+`"`) {
				t.Errorf("log %s, want level %s", logs.String(), tt.level)
			}
		})
	}
}
