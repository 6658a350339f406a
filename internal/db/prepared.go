package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// PrepareOnce returns a Querier for tx that, on SQLite, prepares each
// distinct query text once and reuses the statement for the rest of the
// transaction (which closes it when it ends); on PostgreSQL it is tx
// itself (the driver caches prepared statements already). For
// transactions that run the same statements many times, such as an
// import's batch (the pool's statement cache, stmtcache.go, does not serve
// transactions): SQLite compiles an INSERT into customers with the
// checks of every index, constraint, foreign key and trigger involved,
// about 0.2 ms each time, 40% of an import's CPU time when every row's
// statements were compiled anew (docs/测试说明.md §4.1a).
func PrepareOnce(tx *sql.Tx, d Dialect) Querier {
	if d != SQLite {
		return tx
	}
	return &preparedTx{tx: tx, stmts: map[string]*sql.Stmt{}}
}

type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (p *preparedTx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext reports a failed prepare through the returned row's Scan
// (as *sql.Tx does): it runs the query through the transaction itself.
func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.prepare(ctx, query)
	if err != nil {
		return p.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// InBulkTx is InTx for a transaction of many small writes, such as an
// import's batch. On SQLite it runs on a connection whose temporary storage
// is kept in memory while the transaction lasts (PRAGMA temp_store =
// MEMORY, reset afterwards): a write that fires a trigger or returns rows
// keeps a statement journal of the pages it changes, which SQLite writes
// to a temporary file once it passes 64 KiB, and an INSERT into customers
// changes a page of each of its twenty indexes (a third of an import's CPU
// time went to those writes, docs/测试说明.md §4.1a). Each journal holds
// one statement's pages, so the memory stays small. On PostgreSQL it is
// InTx.
func (d *DB) InBulkTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if d.Dialect != SQLite {
		return d.InTx(ctx, fn)
	}
	conn, err := d.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return err
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = DEFAULT`); err != nil {
			// Not back into the pool with the setting: discard the connection.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
