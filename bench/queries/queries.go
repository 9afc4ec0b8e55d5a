// Package queries holds the GraphQL documents of the benchmark's query shapes A–F (see BENCHMARKS.md), one file
// each, as a client would send them.
package queries

import (
	"embed"
	"fmt"
)

//go:embed *.graphql
var files embed.FS

// Shape is one query shape of the benchmark.
type Shape struct {
	Letter   string // A to F
	File     string // its document in bench/queries
	Document string
}

// Shapes returns the shapes A to F in order.
func Shapes() ([]Shape, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("list bench queries: %w", err)
	}
	var out []Shape
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("read bench query %s: %w", e.Name(), err)
		}
		out = append(out, Shape{Letter: e.Name()[:1], File: e.Name(), Document: string(b)})
	}
	return out, nil
}

// Document returns the document of one shape by its letter.
func Document(letter string) (string, error) {
	shapes, err := Shapes()
	if err != nil {
		return "", err
	}
	for _, s := range shapes {
		if s.Letter == letter {
			return s.Document, nil
		}
	}
	return "", fmt.Errorf("no bench query %s", letter)
}
