package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
)

// InBulkTx commits what fn wrote, rolls back and returns fn's error, keeps
// SQLite's temporary storage in memory only while it runs (every pooled
// connection is back to the default afterwards); PrepareOnce's statements
// give the same results as the transaction's own, also when a statement
// fails to prepare.
func TestBulkTxAndPrepareOnce(t *testing.T) {
	t.Parallel()
	forEachEmpty(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d, `CREATE TABLE bulk_items (id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL)`)
		err := d.InBulkTx(ctx, func(tx *sql.Tx) error {
			if d.Dialect == db.SQLite {
				var store int
				if err := tx.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store); err != nil || store != 2 {
					t.Errorf("temp_store in the transaction: %d, %v; want 2 (memory)", store, err)
				}
			}
			q := db.PrepareOnce(tx, d.Dialect)
			for i := 1; i <= 5; i++ {
				if _, err := q.ExecContext(ctx, `INSERT INTO bulk_items (id, name) VALUES ($1, $2)`, i, fmt.Sprint("item ", i)); err != nil {
					return err
				}
			}
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_items WHERE id > $1`, 2).Scan(&n); err != nil || n != 3 {
				t.Errorf("count through PrepareOnce: %d, %v", n, err)
			}
			rows, err := q.QueryContext(ctx, `SELECT name FROM bulk_items ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			var names []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				names = append(names, s)
			}
			if len(names) != 5 || names[4] != "item 5" {
				t.Errorf("names %v", names)
			}
			// (On PostgreSQL an error ends the transaction; q is tx there.)
			if d.Dialect == db.SQLite && q.QueryRowContext(ctx, `SELECT nope FROM bulk_items`).Scan(&n) == nil {
				t.Error("a bad query through PrepareOnce gave no error")
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if err := d.InBulkTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_items (id, name) VALUES (6, 'six')`); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("InBulkTx returned %v, want fn's error", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_items`).Scan(&n); err != nil || n != 5 {
			t.Errorf("%d rows after a commit of 5 and a rollback, %v", n, err)
		}
		if d.Dialect == db.SQLite {
			// Hold every pooled connection at once: none kept the setting.
			var conns []*sql.Conn
			for range 4 {
				c, err := d.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				var store int
				if err := c.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store); err != nil || store != 0 {
					t.Errorf("a pooled connection has temp_store %d (%v) after InBulkTx, want 0", store, err)
				}
			}
			for _, c := range conns {
				c.Close()
			}
		}
	})
}
