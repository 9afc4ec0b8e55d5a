package graph

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
)

// BatchHook is called when a dataloader batch starts, with the loader's name (the type it loads) and the number
// of keys; it may return a new context for the batch (e.g. with a tracing span) and the function to call when
// the batch ends. The HTTP layer installs one per request for metrics and tracing.
type BatchHook func(ctx context.Context, loader string, keys int) (context.Context, func())

type batchHookKey struct{}

// WithBatchHook returns a context whose dataloader batches call hook.
func WithBatchHook(ctx context.Context, hook BatchHook) context.Context {
	return context.WithValue(ctx, batchHookKey{}, hook)
}

// observed wraps a batch function so that the request's BatchHook, if any, sees each batch.
func observed[K comparable, V any](batch dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	name := loaderName[V]()
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		if hook, ok := ctx.Value(batchHookKey{}).(BatchHook); ok {
			var done func()
			ctx, done = hook(ctx, name, len(keys))
			defer done()
		}
		return batch(ctx, keys)
	}
}

// loaderName names a loader after the Go type of its values, without packages or pointers: "Enterprise",
// "[]InvoiceLine", "Connection[Invoice]". The set is fixed by the code, so it is a bounded metric label. Every
// request makes its loaders, so each name is worked out once per process (loaderNames), not per request.
func loaderName[V any]() string {
	t := reflect.TypeFor[V]()
	if name, ok := loaderNames.Load(t); ok {
		return name.(string)
	}
	name := typeQualifiers.ReplaceAllString(strings.ReplaceAll(t.String(), "*", ""), "")
	loaderNames.Store(t, name)
	return name
}

var loaderNames sync.Map // reflect.Type → string

var typeQualifiers = regexp.MustCompile(`[\w/.-]*/|\w+\.`)
