package model

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for API clients; it is what they see in userErrors and extensions.code.
type ErrorCode string

// Error codes shared by every layer. Anything without one is an internal error and is never shown as is.
const (
	CodeInvalid         ErrorCode = "INVALID"
	CodeNotFound        ErrorCode = "NOT_FOUND"
	CodeForbidden       ErrorCode = "FORBIDDEN"
	CodeUnauthenticated ErrorCode = "UNAUTHENTICATED"
	CodeConflict        ErrorCode = "CONFLICT"
	CodeBudgetExhausted ErrorCode = "BUDGET_EXHAUSTED"
)

// Error is a failure a client can understand and act on: a code, the input field it concerns (a path such as
// "input.lines.0.quantity", empty when none) and a message safe to show.
type Error struct {
	Code    ErrorCode
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) *Error {
	return Errorf(CodeInvalid, field, format, args...)
}

// ErrForbidden is returned when the actor may not see or do something.
var ErrForbidden = &Error{Code: CodeForbidden, Message: "not allowed for this caller"}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrorCodeOf returns the code of err, or "" when it is not a typed error.
func ErrorCodeOf(err error) ErrorCode {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return ""
}
