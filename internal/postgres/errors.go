package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// Domain-neutral meanings of Postgres errors that a table's owner may
// return; the web layer maps each to a status.
var (
	// ErrConflict means a unique constraint refused a row that exists.
	ErrConflict = errors.New("a row with that key exists")
	// ErrMissingReference means a row the statement refers to is gone, as
	// when a file is deleted while a share of it is being made.
	ErrMissingReference = errors.New("a row it refers to is gone")
)

// Classify marks a constraint violation with the meaning callers test
// for, keeping the driver's error in the chain for the log. Other errors
// are returned as they are.
func Classify(err error) error {
	switch Code(err) {
	case pgerrcode.UniqueViolation:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case pgerrcode.ForeignKeyViolation:
		return fmt.Errorf("%w: %w", ErrMissingReference, err)
	}
	return err
}

// Code is the SQLSTATE of a Postgres error in err's chain, or "".
func Code(err error) string {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code
	}
	return ""
}

// Unavailable reports whether err says the server could not do the work
// at all, as opposed to refusing this statement: it is down, shutting
// down, full, or the connection to it broke. Such a failure is the
// service's, not the request's, and is answered 503.
func Unavailable(err error) bool {
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	code := Code(err)
	switch {
	case code == "":
		// A connection that closed under pgx, or a query that timed out
		// waiting for the server; network errors are told by the caller.
		return errors.Is(err, pgconn.ErrConnClosed) || pgconn.Timeout(err)
	case pgerrcode.IsConnectionException(code), // class 08
		pgerrcode.IsInsufficientResources(code),                                   // class 53: too many connections, disk full, out of memory
		pgerrcode.IsOperatorIntervention(code) && code != pgerrcode.QueryCanceled, // 57P01 admin shutdown and friends
		pgerrcode.IsSystemError(code):                                             // class 58: I/O errors
		return true
	}
	return false
}
