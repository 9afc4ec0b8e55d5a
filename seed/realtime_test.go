package seed

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The demo's persisted operations are valid against the schema: a restricted dashboard key can run them.
func TestDemoPersistedOperationsValidate(t *testing.T) {
	paths, err := filepath.Glob("../schema/*.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	var sources []*ast.Source
	for _, path := range append([]string{"../schema.graphqls"}, paths...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: path, Input: string(src)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range demoPersistedOperations {
		if _, errs := gqlparser.LoadQueryWithRules(schema, op.query, nil); len(errs) > 0 {
			t.Errorf("%s: %v", op.name, errs)
		}
	}
}
