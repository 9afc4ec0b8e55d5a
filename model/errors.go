package model

import (
	"errors"
	"fmt"
	"io"
	"slices"
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

	CodeIllegalTransition  ErrorCode = "ILLEGAL_TRANSITION"
	CodeInsufficientCredit ErrorCode = "INSUFFICIENT_CREDIT"
	CodeSessionClosed      ErrorCode = "SESSION_CLOSED"
	CodeNotEligible        ErrorCode = "NOT_ELIGIBLE"
	CodeCreditAlreadyUsed  ErrorCode = "CREDIT_ALREADY_USED"
	CodeExcludedExpense    ErrorCode = ErrorCode(RejectExcludedExpense)
	CodeSellerNotActive    ErrorCode = ErrorCode(RejectSellerNotActive)
	CodeSectorNotAllowed   ErrorCode = ErrorCode(RejectSectorNotAllowed)
	CodeHardwareSale       ErrorCode = ErrorCode(RejectHardwareSale)
	CodeLinkedParties      ErrorCode = ErrorCode(RejectLinkedParties)
	CodeDuplicate          ErrorCode = ErrorCode(RejectDuplicate)
	CodeNonCompliant       ErrorCode = ErrorCode(RejectNonCompliant)
	CodeOutsideSession     ErrorCode = ErrorCode(RejectOutsideSession)
	CodeDeadlinePassed     ErrorCode = "DEADLINE_PASSED"
)

// userErrorCodes are the codes a mutation's userErrors may carry (the schema's UserErrorCode enum).
var userErrorCodes = []ErrorCode{CodeInvalid, CodeNotFound, CodeForbidden, CodeConflict, CodeIllegalTransition,
	CodeBudgetExhausted, CodeInsufficientCredit, CodeSessionClosed, CodeNotEligible, CodeCreditAlreadyUsed,
	CodeExcludedExpense, CodeSellerNotActive, CodeSectorNotAllowed, CodeHardwareSale, CodeLinkedParties, CodeDuplicate,
	CodeNonCompliant, CodeOutsideSession, CodeDeadlinePassed}

// IsValid reports whether c is one of the schema's UserErrorCode values.
func (c ErrorCode) IsValid() bool { return slices.Contains(userErrorCodes, c) }

// MarshalGQL writes the code as a GraphQL enum value.
func (c ErrorCode) MarshalGQL(w io.Writer) { marshalEnum(w, c) }

// UnmarshalGQL reads a GraphQL enum value.
func (c *ErrorCode) UnmarshalGQL(v any) error { return unmarshalEnum(v, c, "UserErrorCode") }

// Error is a failure a client can understand and act on: a code, the input field it concerns (a path such as
// "input.lines.0.quantity", empty when none) and a message safe to show.
type Error struct {
	Code    ErrorCode `json:"code"`
	Field   string    `json:"field,omitempty"`
	Message string    `json:"message"`
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

// UserErrorOf returns the first typed error in err's chain (a joined error included), or a generic INVALID error
// when there is none; it never returns nil. For building userErrors from validation results.
func UserErrorOf(err error) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	return &Error{Code: CodeInvalid, Message: "invalid input"}
}
