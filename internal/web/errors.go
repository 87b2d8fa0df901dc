package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/resumable"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/storage"
	"github.com/ferryhq/ferry/internal/units"
	"github.com/ferryhq/ferry/internal/webhook"
)

// Error is a failure a client may be told about: a status, a stable code and
// a message meant for people. Anything else a handler fails with is internal
// and reaches the client only as "internal_error".
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // sent as Retry-After with a 429
	Challenge  string        // sent as WWW-Authenticate with a 401
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func apiError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

var (
	errInternal     = &Error{Status: http.StatusInternalServerError, Code: "internal_error", Message: "something went wrong on our side; the request id is in the X-Request-ID header"}
	errNotFound     = apiError(http.StatusNotFound, "not_found", "no such resource")
	errUnauthorized = &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "sign in or send an API token as Authorization: Bearer <token>", Challenge: `Bearer realm="ferry"`}
	// The three ways a token sent fails, told apart so that a client
	// knows whether to fix how it sends it, make a new one or stop.
	errMalformedToken = tokenError("malformed_token", "the Authorization header is not Bearer ferry_ followed by the 43 characters of a token; copy the whole token")
	errInvalidToken   = tokenError("invalid_token", "this API token is unknown or was revoked; make a new one (ferry admin create-token or POST /api/v1/tokens)")
	errTokenExpired   = tokenError("token_expired", "this API token has expired; make a new one (ferry admin create-token or POST /api/v1/tokens)")
	errForbidden      = apiError(http.StatusForbidden, "forbidden", "this needs an admin")
	errTooLarge       = apiError(http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than this server accepts")
	errOverQuota      = apiError(http.StatusRequestEntityTooLarge, "over_quota", "the upload does not fit in your storage quota")
	errCrossOrigin    = &Error{Status: http.StatusForbidden, Code: "cross_origin", Message: "a browser request from another site may not change anything here"}
	// errClientGone is the status logged and counted for a request whose
	// client left before its answer: 499, as nginx calls it.
	errClientGone  = &Error{Status: statusClientGone, Code: "client_closed_request", Message: "the client closed the connection before the answer"}
	errUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "a service Ferry depends on is down; try again shortly", RetryAfter: 5 * time.Second}
	// errHashBusy is a flood of password checks met by the bound on
	// hashes in flight: the server is busy, not broken, so a client
	// retries as it would through an outage.
	errHashBusy = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the server is busy checking passwords; try again shortly", RetryAfter: 2 * time.Second}
)

// statusClientGone is nginx's 499, Client Closed Request; it is never
// seen by a client, only in logs and metrics.
const statusClientGone = 499

// tokenError is a 401 for a token that was sent but does not authenticate,
// with the RFC 6750 challenge naming the failure.
func tokenError(code, message string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: code, Message: message,
		Challenge: `Bearer realm="ferry", error="invalid_token", error_description="` + code + `"`}
}

// insufficientScope is the answer to a token that lacks the scope need.
func insufficientScope(need account.Scope) *Error {
	return apiError(http.StatusForbidden, "insufficient_scope", "this API token lacks the scope "+string(need)+" this request needs")
}

// limitError is the 413 of an upload past a limit, naming it: the file
// size limit, or what was left of the quota.
func limitError(le *sharing.LimitError) *Error {
	switch {
	case errors.Is(le.Err, filerequest.ErrFull):
		return apiError(http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than what this request still takes: "+readableSize(le.Limit)+" left")
	case errors.Is(le.Err, filerequest.ErrOwnerQuota):
		return apiError(http.StatusRequestEntityTooLarge, "over_quota", "the upload does not fit in the storage left to this request's owner")
	}
	if errors.Is(le.Err, account.ErrOverQuota) {
		return apiError(http.StatusRequestEntityTooLarge, "over_quota", "the upload does not fit in your storage quota: "+readableSize(le.Limit)+" left")
	}
	return apiError(http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than MAX_UPLOAD_SIZE ("+readableSize(le.Limit)+")")
}

// readableSize prints n bytes as people read them: "10 GiB", "1.5 MiB".
func readableSize(n int64) string {
	return strings.Replace(units.Bytes(n).Human(), ".0 ", " ", 1)
}

// domainErrors maps the errors of the packages below web to answers; this
// table and toHTTP are the only place an error becomes a status, and
// TestErrorMapping holds every row to its answer.
var domainErrors = []struct {
	err  error
	resp *Error
}{
	{account.ErrBadSignupToken, apiError(http.StatusBadRequest, "invalid_confirmation", "this confirmation link is unknown, used already or expired; sign up again")},
	{account.ErrSignupPassword, apiError(http.StatusUnauthorized, "wrong_password", "this is not the password chosen at sign-up; type that one, or sign up again for a new link")},
	{account.ErrEmailTaken, apiError(http.StatusConflict, "email_taken", "an account with this email exists")},
	{account.ErrInvalidEmail, apiError(http.StatusBadRequest, "invalid_email", "email is not a valid address")},
	{account.ErrWeakPassword, apiError(http.StatusBadRequest, "weak_password", account.ErrWeakPassword.Error())},
	{account.ErrPasswordTooLong, apiError(http.StatusBadRequest, "weak_password", account.ErrPasswordTooLong.Error())},
	{account.ErrInvalidTokenName, apiError(http.StatusBadRequest, "invalid_name", account.ErrInvalidTokenName.Error())},
	{account.ErrUnknownScope, apiError(http.StatusBadRequest, "invalid_field", account.ErrUnknownScope.Error())},
	{account.ErrInvalidExpiresIn, apiError(http.StatusBadRequest, "invalid_field", account.ErrInvalidExpiresIn.Error())},
	{account.ErrDisabled, &Error{Status: http.StatusUnauthorized, Code: "account_disabled", Message: "this account is disabled; ask an admin", Challenge: `Bearer realm="ferry", error="invalid_token", error_description="account_disabled"`}},
	{account.ErrUnknownRole, apiError(http.StatusBadRequest, "invalid_field", account.ErrUnknownRole.Error())},
	{account.ErrInvalidQuota, apiError(http.StatusBadRequest, "invalid_field", account.ErrInvalidQuota.Error())},
	{account.ErrLastAdmin, apiError(http.StatusConflict, "last_admin", account.ErrLastAdmin.Error()+"; make another admin first")},
	{audit.ErrBadCursor, apiError(http.StatusBadRequest, "invalid_cursor", audit.ErrBadCursor.Error())},
	{account.ErrBadInvite, apiError(http.StatusBadRequest, "invalid_invite", account.ErrBadInvite.Error())},
	{account.ErrInviteExpiresIn, apiError(http.StatusBadRequest, "invalid_field", account.ErrInviteExpiresIn.Error())},
	{account.ErrBadCursor, apiError(http.StatusBadRequest, "invalid_cursor", account.ErrBadCursor.Error())},
	{account.ErrAdminScope, apiError(http.StatusForbidden, "forbidden", account.ErrAdminScope.Error())},
	{account.ErrWrongPassword, apiError(http.StatusUnauthorized, "wrong_credentials", "email or password is wrong")},
	{account.ErrMalformedToken, errMalformedToken},
	{account.ErrTokenExpired, errTokenExpired},
	{account.ErrNotFound, errNotFound},
	{account.ErrOverQuota, errOverQuota},
	{account.ErrBusy, errHashBusy},
	{files.ErrNotFound, errNotFound},
	{files.ErrNoLongerPending, errUnavailable},
	{files.ErrBadCursor, apiError(http.StatusBadRequest, "invalid_cursor", files.ErrBadCursor.Error())},
	{files.ErrBadListing, apiError(http.StatusBadRequest, "invalid_parameter", files.ErrBadListing.Error())},
	{sharing.ErrTooLarge, errTooLarge},
	{sharing.ErrNoFiles, errBadMultipart},
	{sharing.ErrMailOff, apiError(http.StatusConflict, "mail_not_configured", sharing.ErrMailOff.Error())},
	{storage.ErrIncompleteBody, apiError(http.StatusBadRequest, "incomplete_body", "the request body ended before it was complete")},
	{storage.ErrLength, apiError(http.StatusBadRequest, "length_mismatch", "a file was longer or shorter than its announced length")},
	{filename.ErrEmpty, apiError(http.StatusBadRequest, "invalid_name", filename.ErrEmpty.Error())},
	{filename.ErrClimb, apiError(http.StatusBadRequest, "invalid_name", filename.ErrClimb.Error())},
	{filename.ErrControl, apiError(http.StatusBadRequest, "invalid_name", filename.ErrControl.Error())},
	{filename.ErrTooLong, apiError(http.StatusBadRequest, "invalid_name", filename.ErrTooLong.Error())},
	{share.ErrUnknownFile, errNotFound},
	{share.ErrNotFound, apiError(http.StatusNotFound, "not_found", "no such share link")},
	{share.ErrGone, apiError(http.StatusGone, "gone", "this link has expired or reached its download limit")},
	{share.ErrLocked, apiError(http.StatusUnauthorized, "password_required", "this link needs its password (Ferry-Share-Password header or the unlock form)")},
	{postgres.ErrMissingReference, apiError(http.StatusConflict, "conflict", "something this request refers to was deleted meanwhile; reload and try again")},
	{postgres.ErrConflict, apiError(http.StatusConflict, "conflict", "that exists already")},
	{filerequest.ErrNotFound, apiError(http.StatusNotFound, "not_found", "no such file request")},
	{filerequest.ErrGone, apiError(http.StatusGone, "gone", filerequest.ErrGone.Error())},
	{filerequest.ErrLocked, apiError(http.StatusUnauthorized, "password_required", "this request needs its password (Ferry-Share-Password header or the unlock form)")},
	{filerequest.ErrTooManyFiles, apiError(http.StatusConflict, "request_full", filerequest.ErrTooManyFiles.Error())},
	{filerequest.ErrFull, apiError(http.StatusRequestEntityTooLarge, "too_large", filerequest.ErrFull.Error())},
	{filerequest.ErrOwnerQuota, apiError(http.StatusRequestEntityTooLarge, "over_quota", filerequest.ErrOwnerQuota.Error())},
	{webhook.ErrUnknownEvent, apiError(http.StatusBadRequest, "invalid_field", webhook.ErrUnknownEvent.Error())},
	{webhook.ErrInvalidURL, apiError(http.StatusBadRequest, "invalid_url", webhook.ErrInvalidURL.Error())},
	{webhook.ErrPrivate, apiError(http.StatusBadRequest, "private_address", webhook.ErrPrivate.Error()+"; an operator may allow them with WEBHOOK_ALLOW_PRIVATE=true")},
	{webhook.ErrUnresolvable, apiError(http.StatusBadRequest, "unresolvable_host", webhook.ErrUnresolvable.Error())},
	{webhook.ErrTooMany, apiError(http.StatusConflict, "too_many_webhooks", webhook.ErrTooMany.Error())},
	{webhook.ErrNotFound, apiError(http.StatusNotFound, "not_found", "no such webhook")},
	{resumable.ErrNotFound, apiError(http.StatusNotFound, "not_found", "no such upload")},
	{resumable.ErrExpired, apiError(http.StatusGone, "gone", resumable.ErrExpired.Error())},
	{resumable.ErrLengthRequired, apiError(http.StatusRequestEntityTooLarge, "length_required", resumable.ErrLengthRequired.Error())},
}

// toHTTP finds the answer for err, or nil when err is internal: one of
// Ferry's own bugs, the only failure that is a 500. A backing service
// that fails is a 503, whatever the request was doing.
func toHTTP(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if le, ok := errors.AsType[*sharing.LimitError](err); ok {
		return limitError(le)
	}
	if fe, ok := errors.AsType[*share.FieldError](err); ok {
		return apiError(http.StatusBadRequest, "invalid_field", fe.Error())
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			return d.resp
		}
	}
	if backing.Unavailable(err) {
		return errUnavailable
	}
	return nil
}

// fail answers a failed request. Internal errors are logged here, once,
// with the request id the client was given; their text never leaves.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, s.answerFor(r, err))
}

// answerFor is the answer a client gets for err, as JSON or as a page.
// An internal error is logged here, the one place, with the request id.
func (s *Server) answerFor(r *http.Request, err error) *Error {
	e := toHTTP(err)
	if (e == nil || e.Status >= http.StatusInternalServerError) && r.Context().Err() != nil {
		// The client hung up, and the failure is what its going did to
		// the work in flight ("context canceled" from S3 or Redis): no
		// one is told, and it is neither Ferry's bug nor an outage.
		s.Log.InfoContext(r.Context(), "request abandoned by the client", "route", r.Pattern, "error", err.Error())
		return errClientGone
	}
	if e == nil || e.Status >= http.StatusInternalServerError {
		s.Log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "error", err.Error())
	}
	if e == nil {
		e = errInternal
	}
	return e
}

// writeError writes e as the JSON error body every API failure has.
func writeError(w http.ResponseWriter, _ *http.Request, e *Error) {
	setRetryAfter(w, e)
	if e.Challenge != "" {
		w.Header().Set("WWW-Authenticate", e.Challenge)
	}
	writeJSON(w, e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

// setRetryAfter tells, in whole seconds rounded up, when a refused or
// unavailable request may be tried again; pages send it as JSON does.
func setRetryAfter(w http.ResponseWriter, e *Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// maxJSON bounds a JSON request body.
const maxJSON = 64 << 10

// readJSON decodes a small JSON body into dst, refusing unknown fields so a
// typo in a field name is an error rather than a silent default.
func readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apiError(http.StatusRequestEntityTooLarge, "too_large", "JSON bodies are limited to 64 KiB")
		}
		return apiError(http.StatusBadRequest, "invalid_json", "the body is not the JSON this endpoint takes")
	}
	return nil
}
