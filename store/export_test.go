package store

// ScanJSONRow exposes scanJSONRow to the store_test package.
var ScanJSONRow = scanJSONRow

// Queued is how many inputs wait in the named group's batch ("audit", "lease", "ridet"), not yet taken by a runner.
func Queued(s *Store, name string) int {
	switch name {
	case "audit":
		return queued(s.groups.audit)
	case "lease":
		return queued(s.groups.lease)
	case "ridet":
		return queued(s.groups.ridet)
	}
	panic("no group " + name)
}

func queued[In, Out any](g *group[In, Out]) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queued == nil {
		return 0
	}
	return len(g.queued.ins)
}
