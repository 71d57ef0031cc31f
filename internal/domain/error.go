// Package domain holds HMS's entities, their validation rules and the one error type
// that every layer uses to say what went wrong.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an Error. Each code maps to exactly one HTTP status in httpapi.
type Code string

// The error codes. Anything else is an internal error.
const (
	CodeInvalid      Code = "invalid"      // the request is malformed or breaks a rule (400)
	CodeNotFound     Code = "not_found"    // the resource does not exist (404)
	CodeConflict     Code = "conflict"     // the change clashes with existing data (409)
	CodeUnauthorized Code = "unauthorized" // no valid identity (401)
	CodeForbidden    Code = "forbidden"    // identity known, action not allowed (403)
	CodeTooLarge     Code = "too_large"    // request body over the limit (413)
	CodeUnsupported  Code = "unsupported"  // request body is not JSON (415)
	CodePrecondition Code = "precondition" // If-Match no longer matches (412)
	CodeLocked       Code = "locked"       // account temporarily locked (423)
	CodeRateLimited  Code = "rate_limited" // too many requests (429)
	CodeUnavailable  Code = "unavailable"  // the server is too busy right now; try again shortly (503)
	CodeInternal     Code = "internal"     // anything unexpected (500)
)

// Error is a failure a client can act on: a stable code, a sentence for people and,
// for validation failures, one message per offending field.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	// Details carries extra structured data for the response body (e.g. a conflicting appointment).
	Details map[string]any
	// RetryAfter, when positive, tells the client how long to wait (the Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the error for a missing resource, e.g. NotFound("patient", 7).
func NotFound(resource string, id int64) *Error {
	return Errorf(CodeNotFound, "%s %d not found", resource, id)
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and CodeInternal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// FieldErrors collects validation messages per field and turns them into one Error.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when no field failed, or an invalid-code Error naming every failed field.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "validation failed"
	if len(f) == 1 {
		for k, v := range f {
			msg = k + ": " + v
		}
	} else {
		msg = fmt.Sprintf("validation failed for %d fields", len(f))
	}
	return &Error{Code: CodeInvalid, Message: msg, Fields: map[string]string(f)}
}
