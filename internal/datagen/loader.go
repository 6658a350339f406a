package datagen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nevcrm/nevcrm/internal/db"
)

// flushRows is how many buffered rows (all tables together) trigger a flush;
// it bounds the generator's memory.
const flushRows = 40000

// table buffers the rows of one table until the next flush.
type table struct {
	name     string
	cols     []string
	rows     [][]any
	lastID   int64 // last id handed out by next
	loaded   int   // rows written so far
	analyzed int   // loaded at the last ANALYZE (PostgreSQL, tables in triggerIndexes)
}

// loader streams rows into the database on one connection: a prepared
// single-row INSERT per table inside a transaction per flush on SQLite, COPY
// on PostgreSQL. Tables are flushed in foreign-key order, so a row may refer
// to any row added before it.
type loader struct {
	conn     *sql.Conn
	pg       *pgx.Conn
	tables   []*table // foreign-key order
	buffered int
	err      error // first error; later adds are ignored
	prog     *progress
}

func newLoader(ctx context.Context, d *db.DB, prog *progress) (*loader, error) {
	conn, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	l := &loader{conn: conn, prog: prog}
	if d.Dialect == db.SQLite {
		// A large page cache keeps the unique indexes (mobile, VIN, codes)
		// in memory while rows arrive in random key order.
		for _, p := range []string{"PRAGMA cache_size = -262144", "PRAGMA foreign_keys = OFF"} {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				conn.Close()
				return nil, err
			}
		}
	}
	if d.Dialect == db.Postgres {
		err = conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			l.pg = c.Conn()
			return nil
		})
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	return l, nil
}

// table declares a table with its columns; declare in foreign-key order.
func (l *loader) table(name string, cols ...string) *table {
	t := &table{name: name, cols: cols}
	l.tables = append(l.tables, t)
	return t
}

// add buffers one row (values in column order). Rows may refer to rows
// added earlier in any table; call mark at points where no buffered row
// refers to a row not yet added.
func (l *loader) add(t *table, row ...any) {
	if l.err != nil {
		return
	}
	if len(row) != len(t.cols) {
		l.err = fmt.Errorf("%s: %d values for %d columns", t.name, len(row), len(t.cols))
		return
	}
	t.rows = append(t.rows, row)
	l.buffered++
}

// mark flushes when the buffer is full; callers call it between units of
// work whose rows are complete (a customer, a site's day).
func (l *loader) mark(ctx context.Context) {
	if l.buffered >= flushRows {
		l.flush(ctx)
	}
}

// flush writes every buffered row, in table order.
func (l *loader) flush(ctx context.Context) {
	if l.err != nil || l.buffered == 0 {
		return
	}
	if err := ctx.Err(); err != nil {
		l.err = err
		return
	}
	var err error
	if l.pg != nil {
		err = l.flushPG(ctx)
	} else {
		err = l.flushSQLite(ctx)
	}
	if err != nil {
		l.err = err
		return
	}
	l.prog.add(int64(l.buffered))
	l.buffered = 0
}

func (l *loader) flushPG(ctx context.Context) error {
	for _, t := range l.tables {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := l.pg.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		t.loaded += len(t.rows)
		// Statistics for the tables that the triggers look rows up in,
		// refreshed whenever they have doubled: without any, the planner
		// takes an equality on lead_id to match 0.5 % of the rows and
		// prefers reading all of vehicle_orders to probing its index, once
		// per row loaded. ANALYZE also replans the triggers' cached plans.
		// Autovacuum may be off or behind (it is off on the reference
		// machine), so the load does not wait for it.
		if triggerTable(t.name) && t.loaded >= 2*t.analyzed {
			if _, err := l.pg.Exec(ctx, "ANALYZE "+t.name); err != nil {
				return fmt.Errorf("analyze %s: %w", t.name, err)
			}
			t.analyzed = t.loaded
		}
		clear(t.rows)
		t.rows = t.rows[:0]
	}
	return nil
}

func (l *loader) flushSQLite(ctx context.Context) error {
	tx, err := l.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range l.tables {
		if len(t.rows) == 0 {
			continue
		}
		ph := make([]string, len(t.cols))
		for i := range ph {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+t.name+" ("+strings.Join(t.cols, ", ")+") VALUES ("+strings.Join(ph, ", ")+")")
		if err != nil {
			return fmt.Errorf("prepare %s: %w", t.name, err)
		}
		for _, r := range t.rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				stmt.Close()
				return fmt.Errorf("insert %s: %w", t.name, err)
			}
		}
		stmt.Close()
		clear(t.rows)
		t.rows = t.rows[:0]
	}
	return tx.Commit()
}

// close flushes what is left and releases the connection.
func (l *loader) close(ctx context.Context) error {
	l.flush(ctx)
	if l.pg == nil {
		_, _ = l.conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
		_, _ = l.conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	if err := l.conn.Close(); err != nil && l.err == nil {
		l.err = err
	}
	return l.err
}

// ddl is a schema object removed for the bulk load and rebuilt after it.
type ddl struct{ name, drop, create string }

// triggerIndexes are the secondary indexes (with their tables) that
// triggers fired by the load's inserts look rows up by: a lead's test
// drives, opportunities and their orders (the lead rollups, migration
// 00028). They stay during the load: without them each of those trigger
// statements reads the whole table, once per inserted lead, test drive,
// opportunity and order, and the load slows with the square of its size
// (20,000 customers on SQLite: 3 min instead of 21 s; docs/数据生成说明.md
// §7). TestLoadTriggersUseIndexes lists any trigger statement that would
// scan a table during the load.
var triggerIndexes = map[string]string{
	"test_drives_lead":           "test_drives",
	"opportunities_lead":         "opportunities",
	"vehicle_orders_opportunity": "vehicle_orders",
}

// triggerTable reports whether a table has one of triggerIndexes.
func triggerTable(name string) bool {
	for _, t := range triggerIndexes {
		if t == name {
			return true
		}
	}
	return false
}

// deferredDDL lists what slows a bulk load down and can be rebuilt faster
// afterwards: secondary indexes (not backing a constraint) on both
// databases, except triggerIndexes, and foreign keys on PostgreSQL (SQLite
// turns them off on the loading connection instead). Dropped in list order,
// rebuilt in reverse.
func deferredDDL(ctx context.Context, d *db.DB) ([]ddl, error) {
	var out []ddl
	if d.Dialect == db.Postgres {
		rows, err := d.QueryContext(ctx, `SELECT CAST(CAST(conrelid AS regclass) AS text), conname, pg_get_constraintdef(oid)
			FROM pg_constraint WHERE contype = 'f' AND connamespace = CAST(current_schema() AS regnamespace) ORDER BY 1, 2`)
		if err != nil {
			return nil, fmt.Errorf("list foreign keys: %w", err)
		}
		for rows.Next() {
			var t, name, def string
			if err := rows.Scan(&t, &name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, ddl{name, "ALTER TABLE " + t + " DROP CONSTRAINT " + name, "ALTER TABLE " + t + " ADD CONSTRAINT " + name + " " + def})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`
	if d.Dialect == db.Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
		     AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		if _, ok := triggerIndexes[name]; ok {
			continue
		}
		out = append(out, ddl{name, "DROP INDEX " + name, def})
	}
	return out, rows.Err()
}

// dropDDL removes the deferred objects before loading.
func dropDDL(ctx context.Context, d *db.DB, list []ddl) error {
	for _, x := range list {
		if _, err := d.ExecContext(ctx, x.drop); err != nil {
			return fmt.Errorf("drop %s: %w", x.name, err)
		}
	}
	return nil
}

// createDDL rebuilds the deferred objects after loading.
func createDDL(ctx context.Context, d *db.DB, list []ddl) error {
	var errs []error
	for i := len(list) - 1; i >= 0; i-- {
		if _, err := d.ExecContext(ctx, list[i].create); err != nil {
			errs = append(errs, fmt.Errorf("create %s: %w", list[i].name, err))
		}
	}
	return errors.Join(errs...)
}
