package store

import (
	"encoding/json"
	"reflect"

	"github.com/uptrace/bun"
)

// ScanJSONRow exposes scanJSONRow to the store_test package.
var ScanJSONRow = scanJSONRow

// ScanJSONMirror is scanJSONRow's fast path alone, without its fallback to Bun's scanners.
func ScanJSONMirror(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst).Elem()
	return scanJSONMirror(db.Dialect().Tables().Get(v.Type()), v, raw)
}

// AuditQueued is how many audit entries wait in s's batch, not yet taken by a writer.
func AuditQueued(s *Store) int { return queuedIn(s.groups.audit) }

// ConfirmationsQueued is how many confirmations wait in s's batch, not yet taken by a writer.
func ConfirmationsQueued(s *Store) int { return queuedIn(s.groups.confirm) }

func queuedIn[In, Out any](g *group[In, Out]) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queued == nil {
		return 0
	}
	return len(g.queued.ins)
}

// ScanJSONByColumn is scanJSONRow's fallback alone: through Bun's scanners, column by column.
func ScanJSONByColumn(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst).Elem()
	return scanJSONRowByColumn(db.Dialect().Tables().Get(v.Type()), v, raw)
}

// ScanJSONDoc exposes scanJSONDoc to the store_test package.
var ScanJSONDoc = scanJSONDoc

// ScanJSONDocOnePass is scanJSONDoc's fast path alone, without its fallback.
func ScanJSONDocOnePass(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst).Elem()
	return jsonDocOf(db, v.Type()).scanOnePass(v, raw)
}

// ScanJSONDocByMember is scanJSONDoc's fallback alone: member by member, each row through scanJSONRow.
func ScanJSONDocByMember(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst).Elem()
	return jsonDocOf(db, v.Type()).scanByMember(db, v, raw)
}
