package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// maxCachedStatements bounds the statement cache: the application runs a few
// dozen distinct SQL texts; texts beyond the bound simply run unprepared.
const maxCachedStatements = 256

// stmtCache keeps one prepared statement per SQL text run on the pool, so
// that SQLite compiles a hot query (the session lookup, a page's queries)
// once per connection instead of on every request: compiling was about 40%
// of the CPU of an authenticated page (see docs/测试说明.md). Only SQLite
// uses it: pgx already keeps a statement cache per connection.
type stmtCache struct {
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	full  bool
}

// cacheable reports whether query is one plain statement worth keeping:
// a query or a row change, not DDL, not several statements.
func cacheable(query string) bool {
	q := strings.TrimSpace(query)
	q = strings.TrimSuffix(q, ";")
	if strings.Contains(q, ";") || len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return strings.EqualFold(q[:5], "WITH ")
}

// stmt returns the cached prepared statement of query, preparing it on first
// use, or nil when the statement is not cached (not SQLite, not cacheable,
// cache full, or preparing failed: the caller then runs the query directly
// and gets its error).
func (d *DB) stmt(ctx context.Context, query string) *sql.Stmt {
	c := d.stmts
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, full := c.stmts[query], c.full
	c.mu.RUnlock()
	if st != nil || full || !cacheable(query) {
		return st
	}
	st, err := d.DB.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.stmts[query]; old != nil { // prepared meanwhile by another request
		_ = st.Close()
		return old
	}
	if len(c.stmts) >= maxCachedStatements {
		c.full = true
		_ = st.Close()
		return nil
	}
	c.stmts[query] = st
	return st
}

// ExecContext runs query on the pool, through the statement cache on SQLite.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

// QueryContext runs query on the pool, through the statement cache on SQLite.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query on the pool, through the statement cache on
// SQLite.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the cached statements and the pool.
func (d *DB) Close() error {
	if c := d.stmts; c != nil {
		c.mu.Lock()
		for q, st := range c.stmts {
			_ = st.Close()
			delete(c.stmts, q)
		}
		c.full = true // no new statements on a closed pool
		c.mu.Unlock()
	}
	return d.DB.Close()
}
