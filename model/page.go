package model

import (
	"context"
	"encoding/base64"
	"encoding/json"
)

// Page sizes of every connection.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageArgs are a connection's Relay arguments as the client sent them.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Cursor is a keyset position: the sort order it belongs to, the sort key of the row (as text) and its id,
// which breaks ties. Opaque to clients.
type Cursor struct {
	Order string `json:"o"`
	Key   string `json:"k"`
	ID    int64  `json:"i"`
}

// Encode returns the cursor's opaque form.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c) // a struct of strings and ints always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// Page is a validated page request: how many rows, which way, and the keyset bounds.
type Page struct {
	Limit    int
	Backward bool    // true for last/before: the page ends at Before
	After    *Cursor // rows strictly after this position
	Before   *Cursor // rows strictly before this position
}

// ParsePage validates Relay arguments for a connection sorted by order. Page sizes are 1 to MaxPageSize;
// `first` is DefaultPageSize when neither first nor last is given; a cursor must come from the same order.
func ParsePage(args PageArgs, order string) (Page, error) {
	if args.First != nil && args.Last != nil {
		return Page{}, Invalid("last", "give either first or last, not both")
	}
	p := Page{Limit: DefaultPageSize}
	switch {
	case args.First != nil:
		if *args.First < 1 || *args.First > MaxPageSize {
			return Page{}, Invalid("first", "first must be between 1 and %d, got %d", MaxPageSize, *args.First)
		}
		p.Limit = *args.First
	case args.Last != nil:
		if *args.Last < 1 || *args.Last > MaxPageSize {
			return Page{}, Invalid("last", "last must be between 1 and %d, got %d", MaxPageSize, *args.Last)
		}
		p.Limit = *args.Last
		p.Backward = true
	}
	var err error
	if p.After, err = decodeCursor("after", args.After, order); err != nil {
		return Page{}, err
	}
	if p.Before, err = decodeCursor("before", args.Before, order); err != nil {
		return Page{}, err
	}
	return p, nil
}

func decodeCursor(field string, s *string, order string) (*Cursor, error) {
	if s == nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.ID <= 0 {
		return nil, Invalid(field, "%q is not a valid cursor", *s)
	}
	if c.Order != order {
		return nil, Invalid(field, "cursor %q belongs to another sort order or list", *s)
	}
	return &c, nil
}

// Edge is one item of a connection page with its position. The cursor is encoded only when a client asks for it:
// most pages are read for their nodes, and encoding every row's cursor was a measurable share of a nested list's
// CPU (bench shape C).
type Edge[T any] struct {
	Node     T
	position Cursor
}

// Cursor is the edge's opaque cursor, for after/before.
func (e Edge[T]) Cursor() string { return e.position.Encode() }

// PageInfo is a page's Relay pagination state.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	start, end      *Cursor // the first and last rows' positions; nil on an empty page
}

// StartCursor is the first row's cursor, nil on an empty page.
func (p PageInfo) StartCursor() *string { return encoded(p.start) }

// EndCursor is the last row's cursor, nil on an empty page.
func (p PageInfo) EndCursor() *string { return encoded(p.end) }

func encoded(c *Cursor) *string {
	if c == nil {
		return nil
	}
	s := c.Encode()
	return &s
}

// Connection is a page of a list plus a lazy total count, computed only when a client asks for it.
type Connection[T any] struct {
	Edges    []Edge[T]
	PageInfo PageInfo
	count    func(context.Context) (int, error)
}

// NewConnection builds a page from up to page.Limit+1 rows fetched in page order (reversed order for a backward
// page); the extra row only tells whether more exist. cursor gives each row's position.
func NewConnection[T any](rows []T, page Page, cursor func(T) Cursor, count func(context.Context) (int, error)) *Connection[T] {
	more := len(rows) > page.Limit
	if more {
		rows = rows[:page.Limit]
	}
	if page.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	c := &Connection[T]{Edges: make([]Edge[T], len(rows)), count: count}
	for i, row := range rows {
		c.Edges[i] = Edge[T]{Node: row, position: cursor(row)}
	}
	if page.Backward {
		c.PageInfo.HasPreviousPage = more
		c.PageInfo.HasNextPage = page.Before != nil
	} else {
		c.PageInfo.HasNextPage = more
		c.PageInfo.HasPreviousPage = page.After != nil
	}
	if len(c.Edges) > 0 {
		c.PageInfo.start = &c.Edges[0].position
		c.PageInfo.end = &c.Edges[len(c.Edges)-1].position
	}
	return c
}

// Nodes returns the page's items without cursors.
func (c *Connection[T]) Nodes() []T {
	nodes := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		nodes[i] = e.Node
	}
	return nodes
}

// MapConnection returns c with each node replaced by f(node): the same cursors, page info and total count.
func MapConnection[T, U any](c *Connection[T], f func(T) U) *Connection[U] {
	out := &Connection[U]{Edges: make([]Edge[U], len(c.Edges)), PageInfo: c.PageInfo, count: c.count}
	for i, e := range c.Edges {
		out.Edges[i] = Edge[U]{Node: f(e.Node), position: e.position}
	}
	return out
}

// TotalCount returns the number of items over all pages.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	if c.count == nil {
		return len(c.Edges), nil
	}
	return c.count(ctx)
}

// Connection and edge types of the schema, bound by gqlgen.
type (
	EnterpriseConnection   = Connection[*Enterprise]
	EnterpriseEdge         = Edge[*Enterprise]
	InvoiceConnection      = Connection[*Invoice]
	InvoiceEdge            = Edge[*Invoice]
	ProgrammeConnection    = Connection[*Programme]
	ProgrammeEdge          = Edge[*Programme]
	SessionConnection      = Connection[*Session]
	SessionEdge            = Edge[*Session]
	ConsultationConnection = Connection[*Consultation]
	ConsultationEdge       = Edge[*Consultation]
)

// Ledger connection types of the schema, bound by gqlgen.
type (
	LedgerEntryConnection = Connection[*JournalEntry]
	LedgerEntryEdge       = Edge[*JournalEntry]
)

// Audit log connection types of the schema, bound by gqlgen.
type (
	AuditEntryConnection = Connection[*AuditEntry]
	AuditEntryEdge       = Edge[*AuditEntry]
)
