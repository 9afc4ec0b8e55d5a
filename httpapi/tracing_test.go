package httpapi_test

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/store"
)

func TestTracingSpans(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	db, err := store.Open(dbtest.NewDSN(t), store.Options{Tracer: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := store.New(db)
	seedFixture(t, st, 3)
	spans.Reset() // the fixture's own statements

	srv := httptest.NewServer(testHandler(t, st, &syncBuffer{}, func(cfg *httpapi.Config) { cfg.Tracer = tp }))
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL, store: st, logs: &syncBuffer{}}
	a.query("", `query Directory { enterprises(first: 3) { nodes { name sector { name } } }
		sectors { enterprises(first: 2) { nodes { name } } } }`, nil).mustData(t)

	var got []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = spans.GetSpans().Snapshots(); slices.ContainsFunc(got, func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "query Directory" }) {
			break
		}
	}
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range got {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	request := byName["query Directory"]
	if len(request) != 1 {
		t.Fatalf("request spans = %d, want 1 named after the operation; spans: %v", len(request), spanNames(got))
	}
	trace := request[0].SpanContext().TraceID()
	for _, want := range []string{"Query.enterprises", "dataloader Connection[Enterprise]", "SELECT"} {
		if len(byName[want]) == 0 {
			t.Errorf("no %q span; spans: %v", want, spanNames(got))
		}
	}
	for _, s := range got {
		if s.SpanContext().TraceID() != trace {
			t.Errorf("span %q is in another trace", s.Name())
		}
	}
	// SQL spans hang under the resolver or batch that ran them, and carry the statement without its values.
	parents := map[string]string{}
	for _, s := range got {
		parents[s.SpanContext().SpanID().String()] = s.Name()
	}
	var underResolver, underBatch bool
	for _, s := range byName["SELECT"] {
		switch parents[s.Parent().SpanID().String()] {
		case "Query.enterprises":
			underResolver = true
		case "dataloader Connection[Enterprise]":
			underBatch = true
		}
		for _, kv := range s.Attributes() {
			if kv.Key == "db.statement" && kv.Value.AsString() == "" {
				t.Errorf("SQL span without its statement")
			}
		}
	}
	if !underResolver || !underBatch {
		t.Errorf("SQL spans under the root resolver: %v, under the sectors' enterprises batch: %v", underResolver, underBatch)
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}
