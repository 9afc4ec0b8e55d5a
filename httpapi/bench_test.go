package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sudpro/auth"
	"sudpro/bench/queries"
	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/model"
	"sudpro/store"
)

// BenchmarkReadShapes is the server's whole path for the read shapes A–C of the benchmark (bench/queries), in
// process: the HTTP middleware, the points budget, gqlgen's execution with its loaders and the SQL, on the small
// test fixture, from concurrent clients of one ADMIN caller. It is the place to profile the per-request overhead
// the load tests show (`-cpuprofile`).
//
//	go test -run '^$' -bench ReadShapes -benchmem ./httpapi
func BenchmarkReadShapes(b *testing.B) {
	st := store.New(dbtest.New(b))
	f := seedFixture(b, st, 40)
	h := testHandler(b, st, io.Discard, func(*httpapi.Config) {})
	token, err := auth.Issue(testSecret, auth.DefaultIssuer, auth.DefaultAudience, "bench", model.RoleAdmin, "", time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	vars := map[string]map[string]any{
		"A": {"sector": "BTP", "commune": "98818"},
		"B": {"ridet": string(f.twins[0].RIDET)},
		"C": {"sector": "BTP"},
	}
	for _, letter := range []string{"A", "B", "C"} {
		doc, err := queries.Document(letter)
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(map[string]any{"query": doc, "variables": vars[letter]})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(letter, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
						b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
					}
				}
			})
		})
	}
}
