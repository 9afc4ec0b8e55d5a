package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"sudpro/model"
)

// keyset describes a list's sort order for keyset pagination: a sort column (with its SQL type, for casting the
// cursor's text key) and the row id breaking ties. Pages never use OFFSET.
type keyset[T any] struct {
	order   string // cursor tag; a cursor of another order is refused
	column  string // qualified sort column, e.g. "e.name"
	id      string // qualified id column, e.g. "e.id"
	sqlType string // type of column, e.g. "text", "timestamptz"
	desc    bool   // natural direction of the list
	key     func(T) string
	rowID   func(T) int64
}

// apply restricts q to the page's window and orders it in page order, fetching one extra row to know whether
// more exist.
func (k keyset[T]) apply(q *bun.SelectQuery, page model.Page) *bun.SelectQuery {
	tuple := fmt.Sprintf("(%s, %s)", k.column, k.id)
	bound := fmt.Sprintf("(CAST(? AS %s), CAST(? AS bigint))", k.sqlType)
	// Ascending lists: rows after a cursor are greater; descending lists: smaller.
	afterOp, beforeOp := ">", "<"
	if k.desc {
		afterOp, beforeOp = "<", ">"
	}
	if page.After != nil {
		q = q.Where(tuple+" "+afterOp+" "+bound, page.After.Key, page.After.ID)
	}
	if page.Before != nil {
		q = q.Where(tuple+" "+beforeOp+" "+bound, page.Before.Key, page.Before.ID)
	}
	return q.OrderExpr(k.orderExpr(page)).Limit(int64(page.Limit) + 1)
}

// orderExpr is the ORDER BY of a page: the sort column, then the id. A backward page reads the list from its end;
// NewConnection restores the natural order.
func (k keyset[T]) orderExpr(page model.Page) string {
	dir := "ASC"
	if k.desc != page.Backward {
		dir = "DESC"
	}
	return k.column + " " + dir + ", " + k.id + " " + dir
}

// connection builds a page from rows fetched by apply; count is run only if the client asks for totalCount.
func (k keyset[T]) connection(rows []T, page model.Page, count func(context.Context) (int, error)) *model.Connection[T] {
	return model.NewConnection(rows, page, k.cursor, count)
}

func (k keyset[T]) cursor(row T) model.Cursor {
	return model.Cursor{Order: k.order, Key: k.key(row), ID: k.rowID(row)}
}

// list runs a paginated select of T: q has its filters; the keyset adds the window and the order.
func list[T any](ctx context.Context, q *bun.SelectQuery, k keyset[T], page model.Page, count func(context.Context) (int, error)) (*model.Connection[T], error) {
	var rows []T
	if err := k.apply(q, page).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	return k.connection(rows, page, count), nil
}

// timeKey formats a timestamp as a cursor key that PostgreSQL casts back exactly (microseconds).
const timeKeyLayout = "2006-01-02T15:04:05.999999Z07:00"

// parentPages describes a nested list for pagesByParents.
type parentPages[T any, K comparable] struct {
	inner    func() *bun.SelectQuery // the children of "parent.id", with the caller's filters
	keyType  string                  // SQL type of the parent keys, e.g. "bigint"
	multi    bool                    // a row can be in several parents' pages: read list_parent_id
	parentOf func(T) K               // which parent a row was fetched for
	// rows, when set, completes the statement of the page's rows: what it joins and reads beyond the children's
	// own columns (the counts need none of it).
	rows func(*bun.SelectQuery) *bun.SelectQuery
}

// pagesByParents loads one page of children for each parent key in a single statement (a LATERAL join on the
// parent keys), so a nested connection under a list costs one query, not one per parent. With counted, the
// totals of every parent come from one more statement; otherwise a total is counted only if asked for.
func pagesByParents[T any, K comparable](ctx context.Context, db bun.IDB, pp parentPages[T, K], k keyset[T],
	parentIDs []K, page model.Page, counted bool) (map[K]*model.Connection[T], error) {
	columns := "child.*"
	if pp.multi {
		columns += ", parent.id AS list_parent_id"
	}
	inner := pp.inner()
	if pp.rows != nil {
		inner = pp.rows(inner)
	}
	var rows []T
	err := db.NewSelect().
		TableExpr("unnest(CAST(? AS "+pp.keyType+"[])) AS parent(id)", pgdialect.Array(parentIDs)).
		Join("CROSS JOIN LATERAL (?) AS child", k.apply(inner, page)).
		ColumnExpr(columns).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	var totals map[K]int
	if counted {
		if totals, err = countByParents(ctx, db, pp, parentIDs); err != nil {
			return nil, err
		}
	}
	byParent := make(map[K][]T, len(parentIDs))
	for _, row := range rows {
		byParent[pp.parentOf(row)] = append(byParent[pp.parentOf(row)], row)
	}
	out := make(map[K]*model.Connection[T], len(parentIDs))
	for _, id := range parentIDs {
		out[id] = k.connection(byParent[id], page, func(ctx context.Context) (int, error) {
			if counted {
				return totals[id], nil
			}
			one, err := countByParents(ctx, db, pp, []K{id})
			return one[id], err
		})
	}
	return out, nil
}

// countByParents counts the children of each parent in one statement.
func countByParents[T any, K comparable](ctx context.Context, db bun.IDB, pp parentPages[T, K], parentIDs []K) (map[K]int, error) {
	var rows []struct {
		Key K   `bun:"key"`
		N   int `bun:"n"`
	}
	err := db.NewSelect().
		TableExpr("unnest(CAST(? AS "+pp.keyType+"[])) AS parent(id)", pgdialect.Array(parentIDs)).
		ColumnExpr("parent.id AS key").
		ColumnExpr("(?) AS n", pp.inner().ColumnExpr("count(*)")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count by parent: %w", err)
	}
	out := make(map[K]int, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, nil
}
