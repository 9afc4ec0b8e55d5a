package store

// ScanJSONRow exposes scanJSONRow to the store_test package.
var ScanJSONRow = scanJSONRow

// AuditQueued is how many audit entries wait in s's batch, not yet taken by a writer.
func AuditQueued(s *Store) int {
	g := s.groups.audit
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queued == nil {
		return 0
	}
	return len(g.queued.ins)
}
