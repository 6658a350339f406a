// Package apperr defines the domain errors of NEV CRM: a code that maps once
// to an HTTP status, a Chinese message fit to show a user, and for invalid
// input the fields at fault. Anything that is not an *Error is internal and
// is logged, never shown.
package apperr

import (
	"errors"
	"time"
)

// Code classifies a domain error.
type Code string

// Error codes.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Forbidden       Code = "forbidden"
	Conflict        Code = "conflict"
	Unauthenticated Code = "unauthenticated"
	RateLimited     Code = "rate_limited"
	Internal        Code = "internal"
)

// Error is a domain error with a user-facing Chinese message.
type Error struct {
	Code    Code
	Message string
	// Fields maps a form field name to its message, for Invalid errors.
	Fields map[string]string
	// RetryAfter is, for RateLimited errors, how long the client should
	// wait before trying again (the transports send it as Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// New returns an error with code and message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Field returns an Invalid error about one field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: message, Fields: map[string]string{field: message}}
}

// RateLimitedFor returns a RateLimited error whose client may try again after d.
func RateLimitedFor(message string, d time.Duration) *Error {
	return &Error{Code: RateLimited, Message: message, RetryAfter: d}
}

// As returns the *Error inside err, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns the code of err: Internal for anything that is not an *Error.
func CodeOf(err error) Code {
	if e := As(err); e != nil {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Validator collects field errors; Err returns them as one Invalid error.
type Validator struct{ fields map[string]string }

// Check records message for field unless ok (the first message per field wins).
func (v *Validator) Check(ok bool, field, message string) {
	if ok {
		return
	}
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, seen := v.fields[field]; !seen {
		v.fields[field] = message
	}
}

// Valid reports whether no check failed so far.
func (v *Validator) Valid() bool { return len(v.fields) == 0 }

// Err returns nil when every check passed, else an Invalid *Error.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "提交的内容有误，请按提示修改", Fields: v.fields}
}
