package model

import (
	"context"
	"testing"
)

// TestConnectionCursors checks the cursors a page gives, encoded on demand: each edge's and the page's bounds
// decode to the rows' positions, in natural order, for a forward and a backward page, and an empty page has none.
func TestConnectionCursors(t *testing.T) {
	const order = "test:NAME"
	cursorOf := func(name string) Cursor { return Cursor{Order: order, Key: name, ID: int64(len(name))} }
	after, before := cursorOf("a"), cursorOf("zzzz")
	cases := []struct {
		name      string
		rows      []string // as fetched: page order, one extra row when more exist
		page      Page
		want      []string // natural order
		next, pre bool
	}{
		{"forward with more", []string{"b", "cc", "ddd"}, Page{Limit: 2, After: &after}, []string{"b", "cc"}, true, true},
		{"forward, last page", []string{"b", "cc"}, Page{Limit: 2}, []string{"b", "cc"}, false, false},
		{"backward with more", []string{"ddd", "cc", "b"}, Page{Limit: 2, Backward: true, Before: &before}, []string{"cc", "ddd"}, true, true},
		{"empty", nil, Page{Limit: 2}, nil, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConnection(append([]string(nil), tc.rows...), tc.page, cursorOf, nil)
			if len(c.Edges) != len(tc.want) {
				t.Fatalf("%d edges, want %d", len(c.Edges), len(tc.want))
			}
			decode := func(s string) Cursor {
				t.Helper()
				p, err := ParsePage(PageArgs{After: &s}, order)
				if err != nil {
					t.Fatalf("cursor %q: %v", s, err)
				}
				return *p.After
			}
			for i, e := range c.Edges {
				if e.Node != tc.want[i] || decode(e.Cursor()) != cursorOf(tc.want[i]) {
					t.Errorf("edge %d: node %q cursor %+v, want %q", i, e.Node, decode(e.Cursor()), tc.want[i])
				}
			}
			if c.PageInfo.HasNextPage != tc.next || c.PageInfo.HasPreviousPage != tc.pre {
				t.Errorf("page info %+v, want next %v previous %v", c.PageInfo, tc.next, tc.pre)
			}
			start, end := c.PageInfo.StartCursor(), c.PageInfo.EndCursor()
			if len(tc.want) == 0 {
				if start != nil || end != nil {
					t.Errorf("an empty page has cursors %v %v", start, end)
				}
				return
			}
			if decode(*start) != cursorOf(tc.want[0]) || decode(*end) != cursorOf(tc.want[len(tc.want)-1]) {
				t.Errorf("start %+v end %+v, want %q and %q", decode(*start), decode(*end), tc.want[0], tc.want[len(tc.want)-1])
			}
			mapped := MapConnection(c, func(s string) int { return len(s) })
			for i, e := range mapped.Edges {
				if e.Cursor() != c.Edges[i].Cursor() || e.Node != len(tc.want[i]) {
					t.Errorf("mapped edge %d: %d %q", i, e.Node, e.Cursor())
				}
			}
			if n, err := c.TotalCount(context.Background()); err != nil || n != len(tc.want) {
				t.Errorf("total %d, %v", n, err)
			}
		})
	}
}
