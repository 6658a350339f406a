package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestLoadTriggersUseIndexes puts a database in the state of a load (the
// deferred indexes dropped, foreign keys off) and expects no trigger fired
// by an insert to read a whole table or index: such a statement runs once
// per loaded row over a growing table, and the load time grows with the
// square of its size. On SQLite it reads the bytecode of an insert into
// every table with triggers (EXPLAIN lists the trigger programs after the
// statement's own): a Rewind or Last on a table or index cursor starts a
// full scan, OpenAutoindex builds a transient index from one. On both
// databases the indexes kept for the triggers must exist on their tables
// and stay during the load. (PostgreSQL plans inside trigger functions,
// which cannot be listed here; the loader gives their tables statistics.)
func TestLoadTriggersUseIndexes(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		deferred, err := deferredDDL(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		q := `SELECT name || ' ' || tbl_name FROM sqlite_master WHERE type = 'index'`
		if d.Dialect == db.Postgres {
			q = `SELECT indexname || ' ' || tablename FROM pg_indexes WHERE schemaname = current_schema()`
		}
		indexes := map[string]string{} // index -> table
		for _, s := range queryStrings(t, d, q) {
			name, table, _ := strings.Cut(s, " ")
			indexes[name] = table
		}
		for name, table := range triggerIndexes {
			if indexes[name] != table {
				t.Errorf("index %s kept for the triggers: on table %q, want %s", name, indexes[name], table)
			}
		}
		for _, x := range deferred {
			if _, ok := triggerIndexes[x.name]; ok {
				t.Errorf("index %s kept for the triggers is dropped for the load", x.name)
			}
		}
		if d.Dialect != db.SQLite {
			return
		}
		if err := dropDDL(ctx, d, deferred); err != nil {
			t.Fatal(err)
		}
		conn, err := d.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			t.Fatal(err)
		}
		roots := map[int64]string{}
		rows, err := conn.QueryContext(ctx, `SELECT rootpage, name FROM sqlite_master WHERE rootpage > 0`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var root int64
			var name string
			if err := rows.Scan(&root, &name); err != nil {
				t.Fatal(err)
			}
			roots[root] = name
		}
		rows.Close()
		for _, table := range queryStrings(t, d, `SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1`) {
			for _, scan := range triggerScans(t, conn, roots, "INSERT INTO "+table+" DEFAULT VALUES") {
				t.Errorf("insert into %s: %s", table, scan)
			}
		}
	})
}

// triggerScans lists the full scans and transient indexes in the trigger
// programs of a statement's bytecode.
func triggerScans(t *testing.T, conn *sql.Conn, roots map[int64]string, stmt string) []string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), "EXPLAIN "+stmt)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	trigger := ""                // the trigger whose program is listed; "" for the statement's own
	cursors := map[int64]int64{} // cursor -> root page, in the current program
	for rows.Next() {
		var addr, p1, p2, p3, p5 int64
		var opcode string
		var p4, comment any
		if err := rows.Scan(&addr, &opcode, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
			t.Fatal(err)
		}
		if addr == 0 {
			// A program starts; a trigger's says which in P4.
			clear(cursors)
			trigger = ""
			if name, ok := strings.CutPrefix(fmt.Sprint(p4), "-- TRIGGER "); ok {
				trigger = name
			}
		}
		if trigger == "" {
			continue
		}
		switch opcode {
		case "OpenRead", "OpenWrite":
			cursors[p1] = p2
		case "OpenAutoindex":
			out = append(out, fmt.Sprintf("trigger %s builds an automatic index", trigger))
			delete(cursors, p1)
		case "OpenEphemeral", "OpenPseudo", "OpenDup", "SorterOpen":
			delete(cursors, p1)
		case "Rewind", "Last":
			if root, ok := cursors[p1]; ok && roots[root] != "sqlite_sequence" {
				out = append(out, fmt.Sprintf("trigger %s scans %s", trigger, roots[root]))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// queryStrings returns the first column of a query's rows.
func queryStrings(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
