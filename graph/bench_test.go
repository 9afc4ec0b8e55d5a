package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"sudpro/bench/queries"
	"sudpro/graph"
	"sudpro/store"
)

// BenchmarkDecodeAndValidate is the work a request's document costs before any resolver runs, when the server's
// query cache misses: the JSON body decoded, the document parsed and validated against the schema, for each
// benchmark shape (bench/queries).
//
//	go test -run '^$' -bench DecodeAndValidate -benchmem -count 10 ./graph
func BenchmarkDecodeAndValidate(b *testing.B) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}, Directives: graph.DirectiveRoot{Auth: graph.Auth}}).Schema()
	shapes, err := queries.Shapes()
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range shapes {
		body, err := json.Marshal(map[string]any{"query": s.Document, "variables": map[string]any{"sector": "BTP", "commune": "98818"}})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.Letter, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req struct {
					Query     string         `json:"query"`
					Variables map[string]any `json:"variables"`
				}
				if err := json.Unmarshal(body, &req); err != nil {
					b.Fatal(err)
				}
				if _, errs := gqlparser.LoadQueryWithRules(schema, req.Query, nil); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}

// BenchmarkNewLoaders is the per-request set of dataloaders every GraphQL request makes (httpapi's withLoaders)
// before anything is loaded.
//
//	go test -run '^$' -bench NewLoaders -benchmem ./graph
func BenchmarkNewLoaders(b *testing.B) {
	st := store.New(nil) // the loaders only keep the store's methods; nothing is fetched
	b.ReportAllocs()
	for b.Loop() {
		if graph.NewLoaders(st) == nil {
			b.Fatal("no loaders")
		}
	}
}
