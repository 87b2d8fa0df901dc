package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
)

// The security events, one log line each with message "security event"
// and these names as its event attribute, so that an operator can alert on
// them without parsing request lines.
const (
	eventLogin           = "login"
	eventLoginFailed     = "login_failed"
	eventLoginLockedOut  = "login_locked_out"
	eventSignup          = "signup"
	eventSignupRequested = "signup_requested" // by mail: the account exists only once the link is used
	eventTokenCreated    = "token_created"
	eventTokenRevoked    = "token_revoked"
	eventPasswordChanged = "password_changed"
	eventSessionsRevoked = "sessions_revoked"
	eventWebhookCreated  = "webhook_created"
	eventWebhookDeleted  = "webhook_deleted"
)

// warning says whether an event may be an attack under way: a failure, a
// lockout or a throttle, of sign-ins or of share passwords.
func warning(event string) bool {
	for _, suffix := range []string{"_failed", "_locked_out", "_throttled"} {
		if strings.HasSuffix(event, suffix) {
			return true
		}
	}
	return false
}

// securityEvent logs one security event with the client's address. The
// logger adds the request id, and the user id once the request knows it;
// attrs must hold no password, token or plain email.
func (s *Server) securityEvent(r *http.Request, event string, attrs ...any) {
	level := slog.LevelInfo
	if warning(event) {
		level = slog.LevelWarn
	}
	base := []any{"event", event, "client", clientAddr(r, s.Settings.TrustedProxies)}
	s.Log.Log(r.Context(), level, "security event", append(base, attrs...)...)
}

// loginEvent records how a sign-in ended: login when err is nil,
// login_failed when the email or password was wrong, nothing otherwise (a
// bad request, a rate limit, an outage are no attempt on an account).
func (s *Server) loginEvent(r *http.Request, email string, err error) {
	switch {
	case err == nil:
		s.securityEvent(r, eventLogin)
	case errors.Is(err, account.ErrWrongPassword), errors.Is(err, account.ErrNotFound):
		s.securityEvent(r, eventLoginFailed, "email_sha256", emailHash(email))
	}
}

// loginLockedOut records a sign-in refused because the account or client
// is locked out after too many failures.
func (s *Server) loginLockedOut(r *http.Request, email string) {
	s.securityEvent(r, eventLoginLockedOut, "email_sha256", emailHash(email))
}

// tokenCreated records a new API token by its id, scopes and expiry.
func (s *Server) tokenCreated(r *http.Request, t account.Token) {
	attrs := []any{"token_id", t.ID, "scopes", t.Scopes.List()}
	if t.ExpiresAt != nil {
		attrs = append(attrs, "expires_at", *t.ExpiresAt)
	}
	s.securityEvent(r, eventTokenCreated, attrs...)
}

// emailHash stands for an email in a log line: failures against one
// account can be told apart from a spray across many, while the log does
// not hold the address. It is the first 64 bits of SHA-256 of the address
// as accounts compare it, trimmed and lower-cased.
func emailHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:8])
}
