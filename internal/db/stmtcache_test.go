package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Queries run on the pool give the same answers through the statement cache
// (SQLite) as without it (PostgreSQL), also after the schema changes, from
// many goroutines at once, and beyond the cache's bound; DDL and several
// statements in one text are not kept.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	forEachEmpty(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, `CREATE TABLE cache_items (id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL)`)
		if n := d.CachedStatements(); n != 0 {
			t.Fatalf("DDL cached: %d statements", n)
		}
		for i := 1; i <= 3; i++ {
			if _, err := d.ExecContext(ctx, `INSERT INTO cache_items (id, name) VALUES ($1, $2)`, i, fmt.Sprint("item ", i)); err != nil {
				t.Fatal(err)
			}
		}
		var name string
		for i := 1; i <= 3; i++ {
			if err := d.QueryRowContext(ctx, `SELECT name FROM cache_items WHERE id = $1`, i).Scan(&name); err != nil || name != fmt.Sprint("item ", i) {
				t.Fatalf("row %d: %q, %v", i, name, err)
			}
		}
		want := map[db.Dialect]int{db.SQLite: 2, db.Postgres: 0}[d.Dialect]
		if n := d.CachedStatements(); n != want {
			t.Errorf("%d cached statements, want %d", n, want)
		}

		// A row change through the cache, and a query after a schema change.
		res, err := d.ExecContext(ctx, `UPDATE cache_items SET name = $1 WHERE id > $2`, "x", 1)
		if n, _ := res.RowsAffected(); err != nil || n != 2 {
			t.Fatalf("update: %d rows, %v", n, err)
		}
		countCols := func() int {
			t.Helper()
			rows, err := d.QueryContext(ctx, `SELECT * FROM cache_items WHERE id = $1`, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			return len(cols)
		}
		if n := countCols(); n != 2 {
			t.Fatalf("%d columns", n)
		}
		// SQLite prepares a statement again when the schema changed. (pgx's
		// own statement cache answers "cached plan must not change result
		// type" here; migrations run before any query, so neither matters
		// to the application.)
		if d.Dialect == db.SQLite {
			mustExec(t, d, `ALTER TABLE cache_items ADD COLUMN note TEXT NOT NULL DEFAULT ''`)
			if n := countCols(); n != 3 {
				t.Errorf("after ALTER TABLE: %d columns, want 3", n)
			}
		}

		// Errors come through unchanged.
		if _, err := d.ExecContext(ctx, `INSERT INTO cache_items (id, name) VALUES ($1, $2)`, 1, "dup"); !db.IsUniqueViolation(err) {
			t.Errorf("duplicate key: %v", err)
		}
		if err := d.QueryRowContext(ctx, `SELECT name FROM cache_items WHERE id = $1`, 99).Scan(&name); !db.NoRows(err) {
			t.Errorf("missing row: %v", err)
		}
		if _, err := d.QueryContext(ctx, `SELECT nothing FROM cache_items`); err == nil {
			t.Error("a bad query ran")
		}
		if _, err := d.ExecContext(ctx, `UPDATE cache_items SET name = 'a' WHERE id = 1; UPDATE cache_items SET name = 'b' WHERE id = 2`); err != nil && d.Dialect == db.SQLite {
			t.Errorf("two statements in one text: %v", err)
		}

		// Many goroutines share the statements.
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					var got int
					if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM cache_items WHERE id <= $1`, (g+i)%3+1).Scan(&got); err != nil || got != (g+i)%3+1 {
						t.Errorf("concurrent count: %d, %v", got, err)
						return
					}
				}
			})
		}
		wg.Wait()

		// Beyond the bound, queries still run, unprepared.
		for i := range db.MaxCachedStatements + 20 {
			var got int
			if err := d.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d FROM cache_items WHERE id = $1`, i), 1).Scan(&got); err != nil || got != i {
				t.Fatalf("query %d: %d, %v", i, got, err)
			}
		}
		if n := d.CachedStatements(); n > db.MaxCachedStatements {
			t.Errorf("%d cached statements, bound %d", n, db.MaxCachedStatements)
		}
	})
}
