package concord

import (
	"errors"
	"fmt"
)

// Code is a stable application error code. Clients branch on it; the HTTP
// layer maps each code to exactly one status.
type Code string

// The application error codes.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooLarge     Code = "too_large"
	RateLimited  Code = "rate_limited"
	Unavailable  Code = "unavailable"
	Internal     Code = "internal"
)

// Error is the one error type of the domain. Its Message is safe to show to
// the user who caused it; anything else (driver errors, stack details) stays
// in the wrapped error and in the logs.
type Error struct {
	Code    Code
	Message string
	// Fields names each invalid input field with its own reason, so that a
	// client can point at every problem at once.
	Fields []FieldError
	err    error
}

// FieldError explains what is wrong with one input field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Errorf returns an *Error with the given code and a formatted user-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message that keeps err
// as its cause for logs.
func WrapError(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, err: err}
}

// InvalidFields returns an Invalid error that lists every field problem.
func InvalidFields(message string, fields []FieldError) *Error {
	return &Error{Code: Invalid, Message: message, Fields: fields}
}

// ErrorCode returns the code of err, Internal for errors that are not *Error
// and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-safe message of err. Errors that are not
// *Error never show their text to users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// fieldErrors collects field problems during validation.
type fieldErrors []FieldError

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (f fieldErrors) err(what string) error {
	if len(f) == 0 {
		return nil
	}
	if len(f) == 1 {
		return InvalidFields(fmt.Sprintf("%s: %s: %s", what, f[0].Field, f[0].Reason), f)
	}
	return InvalidFields(fmt.Sprintf("%s: %d problems, first %s: %s", what, len(f), f[0].Field, f[0].Reason), f)
}
