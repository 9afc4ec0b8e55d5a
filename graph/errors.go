package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"sudpro/model"
)

// RequestIDFunc returns the request ID of a context, for errors and logs.
type RequestIDFunc func(context.Context) string

// ErrorPresenter turns resolver errors into GraphQL errors: typed errors keep their message and get
// extensions.code (and extensions.field); anything else becomes "internal error" with the request ID, and its
// real cause is logged, never shown.
func ErrorPresenter(logger *slog.Logger, requestID RequestIDFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if typed, ok := model.AsError(err); ok {
			gqlErr.Message = typed.Message
			gqlErr.Extensions = map[string]any{"code": string(typed.Code)}
			if typed.Field != "" {
				gqlErr.Extensions["field"] = typed.Field
			}
			return gqlErr
		}
		var own *gqlerror.Error
		if errors.As(err, &own) && own.Err == nil {
			// An error gqlgen made itself, wrapping nothing: its text is about the request, safe to show.
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = string(model.CodeInvalid)
			}
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			gqlErr.Message = "request timed out or was cancelled"
			gqlErr.Extensions = map[string]any{"code": "TIMEOUT", "requestId": requestID(ctx)}
			return gqlErr
		}
		id := requestID(ctx)
		logger.ErrorContext(ctx, "resolver failed", "error", err.Error(), "path", gqlErr.Path.String(), "request_id", id)
		gqlErr.Message = "internal error"
		gqlErr.Extensions = map[string]any{"code": "INTERNAL", "requestId": id}
		return gqlErr
	}
}

// RecoverFunc logs a panic with its stack and returns a plain error, which the presenter hides.
func RecoverFunc(logger *slog.Logger, requestID RequestIDFunc) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()),
			"request_id", requestID(ctx))
		return errors.New("panic in resolver")
	}
}
