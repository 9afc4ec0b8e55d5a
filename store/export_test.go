package store

// ScanJSONRow exposes scanJSONRow to the store_test package.
var ScanJSONRow = scanJSONRow

// AuditQueued is how many audit entries wait in s's batch not yet taken by a writer.
func AuditQueued(s *Store) int {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	if s.audit.queued == nil {
		return 0
	}
	return len(s.audit.queued.entries)
}
