package seed

import (
	"context"
	"fmt"

	"sudpro/store"
)

// demoPersistedOperations are the dashboard's operations on the allowlist of the demo profile, so that
// `persistedOperations` shows some and a key switched to persistedOnly (setApiKeyPersistedOnly) can run them.
var demoPersistedOperations = []struct{ name, query string }{
	{"dashboard: who am I", `{ viewer { role subject } }`},
	{"dashboard: sessions and their envelopes", `{ sessions(first: 20) { nodes { id name status budget { total reserved payable paid remaining } } } }`},
	{"dashboard: sectors", `{ sectors { id code name } }`},
}

// insertRealtimeDemo registers the demo's persisted operations.
func insertRealtimeDemo(ctx context.Context, tx *store.Store) error {
	for _, op := range demoPersistedOperations {
		if _, err := tx.RegisterPersistedOperation(ctx, seedOp, op.name, op.query); err != nil {
			return fmt.Errorf("register persisted operation %q: %w", op.name, err)
		}
	}
	return nil
}
