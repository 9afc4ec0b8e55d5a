//go:build unix

package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"sudpro/bench/queries"
	"sudpro/dbtest"
	"sudpro/graph"
	"sudpro/model"
	"sudpro/store"
)

// BenchmarkShapeA is the benchmark's shape A (a page of 20 businesses of a sector and a commune, with their sector
// and commune) through gqlgen's executor in process, one request at a time, without the HTTP middleware: the page,
// its reference fields and the loaders a request makes. It is where the cost of resolving sector and commune shows;
// cpu-ns/op, the server process's CPU per request, is the steadier figure when other work shares the cores.
//
//	go test -run '^$' -bench ShapeA -benchmem ./graph
func BenchmarkShapeA(b *testing.B) {
	st := store.New(dbtest.New(b))
	es := make([]*model.Enterprise, 25)
	for i := range es {
		es[i] = &model.Enterprise{
			RIDET: model.RIDET(fmt.Sprintf("%07d001", 3000000+i)), Name: fmt.Sprintf("Entreprise %02d", i), LegalForm: model.LegalFormSARL,
			APECode: "4321A", SectorCode: "BTP", CommuneCode: "98818", Headcount: 1, Status: model.EnterpriseActive,
			RegisteredAt: time.Date(2025, 5, 5, 0, 0, i, 0, time.UTC), ListedInDirectory: true,
		}
	}
	if err := st.InsertEnterprises(b.Context(), es); err != nil {
		b.Fatal(err)
	}
	srv := handler.New(graph.NewExecutableSchema(graph.Config{
		Resolvers:  graph.NewResolver(st, nil, func(context.Context) string { return "bench" }),
		Directives: graph.DirectiveRoot{Auth: graph.Auth},
	}))
	srv.AddTransport(transport.POST{})
	doc, err := queries.Document("A")
	if err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"sector": "BTP", "commune": "98818"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := model.WithActor(b.Context(), model.Actor{Role: model.RoleAdmin, Subject: "bench"})
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		req := httptest.NewRequestWithContext(graph.WithLoaders(ctx, graph.NewLoaders(st)), http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) || strings.Count(rec.Body.String(), `"code":"BTP"`) != 20 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	// The process's own CPU (PostgreSQL's is another process's): steadier than ns/op on shared cores.
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time this process has used, user and system, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
