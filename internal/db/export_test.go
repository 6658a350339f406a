package db

// CachedStatements returns how many prepared statements d keeps.
func (d *DB) CachedStatements() int {
	if d.stmts == nil {
		return 0
	}
	d.stmts.mu.RLock()
	defer d.stmts.mu.RUnlock()
	return len(d.stmts.stmts)
}

// MaxCachedStatements is the bound of the statement cache.
const MaxCachedStatements = maxCachedStatements
