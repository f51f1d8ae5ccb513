// Package apierr is the error that domain code returns when the caller, not
// the server, is at fault. httpapi turns it into the JSON envelope
// {"error":{"code","message","fields"}}; any other error becomes a logged,
// generic 500 whose text never reaches the client.
package apierr

import (
	"errors"
	"net/http"
)

// Error is a client-facing failure.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New builds an Error.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// As finds an *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Common errors. Each call returns a fresh value so callers may add fields.
func NotFound() *Error {
	return New(http.StatusNotFound, "not_found", "Not found.")
}

func Unauthorized() *Error {
	return New(http.StatusUnauthorized, "unauthorized", "Sign in to continue.")
}

func Forbidden(message string) *Error {
	return New(http.StatusForbidden, "forbidden", message)
}

func Conflict(code, message string) *Error {
	return New(http.StatusConflict, code, message)
}

func BadRequest(code, message string) *Error {
	return New(http.StatusBadRequest, code, message)
}

func RateLimited() *Error {
	return New(http.StatusTooManyRequests, "rate_limited", "Too many attempts. Wait a minute and try again.")
}

// Validation collects field problems; Err returns nil when there are none.
type Validation map[string]string

// Add records the first problem of a field.
func (v Validation) Add(field, code string) {
	if _, ok := v[field]; !ok {
		v[field] = code
	}
}

// Err is a 422 validation_failed listing the fields, or nil.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "Some fields need attention.", Fields: v}
}

// Field is a 422 for one field.
func Field(field, code string) *Error {
	return Validation{field: code}.Err().(*Error)
}
