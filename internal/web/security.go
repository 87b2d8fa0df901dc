package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/logging"
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
	s.audited(r, event, attrs)
}

// audited appends a security event to the audit log, after the change it
// records (a sign-in, a token): these changes have no transaction of
// their own to join. attrs become its details, a token_id or webhook_id
// its subject. A failure to record is logged, not the request's.
func (s *Server) audited(r *http.Request, event string, attrs []any) {
	if s.Audit == nil {
		return
	}
	e := audit.Event{Type: event, Client: clientKey(r, s.Settings.TrustedProxies), Details: map[string]any{}}
	if req := logging.RequestOf(r.Context()); req != nil {
		e.ActorID = req.UserID
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		k, _ := attrs[i].(string)
		switch k {
		case "token_id", "webhook_id":
			e.SubjectID, _ = attrs[i+1].(string)
		default:
			e.Details[k] = attrs[i+1]
		}
	}
	if err := s.Audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.Log.ErrorContext(r.Context(), "audit event not recorded", "event", event, "error", err.Error())
	}
}

// loginEvent records how a sign-in ended: login when err is nil,
// login_failed when the email or password was wrong, nothing otherwise (a
// bad request, a rate limit, an outage are no attempt on an account).
func (s *Server) loginEvent(r *http.Request, email string, err error) {
	switch {
	case err == nil:
		s.securityEvent(r, eventLogin)
		if u := logging.RequestOf(r.Context()); u != nil && u.UserID != "" {
			if err := s.Accounts.RecordLogin(context.WithoutCancel(r.Context()), u.UserID); err != nil {
				s.Log.ErrorContext(r.Context(), "sign-in time not recorded", "error", err.Error())
			}
		}
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
