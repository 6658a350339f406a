package dbcopy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/dbcopy"
)

// TestCopy copies a generated SQLite database into an empty PostgreSQL
// database and checks what an operator relies on: every table's count and
// checksum agree, the users ↔ customers cycle survives, empty strings stay
// empty strings, identity sequences continue after the copied ids, the
// generator's invariants hold on the copy, a changed row is caught by
// Verify, and a second copy into the filled database is refused.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	dst := dbtest.OpenEmpty(t, db.Postgres) // skips without PostgreSQL
	src := dbtest.Open(t, db.SQLite)
	if err := datagen.Generate(ctx, src, datagen.Options{Customers: 300, Seed: 7, Months: 6,
		Now: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	var cycle, empties int
	if err := src.QueryRow(`SELECT COUNT(*) FROM customers WHERE sales_user_id IS NOT NULL`).Scan(&cycle); err != nil || cycle == 0 {
		t.Fatalf("generated data has no customer with a consultant (%d, %v): the cycle is not exercised", cycle, err)
	}
	if err := src.QueryRow(`SELECT COUNT(*) FROM customers WHERE notes = ''`).Scan(&empties); err != nil || empties == 0 {
		t.Fatalf("no empty notes to keep (%d, %v)", empties, err)
	}

	var seen []string
	tables, err := dbcopy.Copy(ctx, src, dst, func(table string, done, total int64) {
		if done == total {
			seen = append(seen, table)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]dbcopy.Table{}
	for _, tb := range tables {
		byName[tb.Name] = tb
		if !tb.OK || tb.Rows != tb.Copied {
			t.Errorf("%s: %d rows, %d copied, ok=%v", tb.Name, tb.Rows, tb.Copied, tb.OK)
		}
	}
	for _, name := range []string{"customers", "users", "vehicles", "appointments", "audit_log"} {
		if byName[name].Rows == 0 {
			t.Errorf("%s: nothing copied", name)
		}
	}
	// The copy ends with VACUUM (ANALYZE): the planner has statistics.
	var stats int
	if err := dst.QueryRow(`SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'customers'`).Scan(&stats); err != nil || stats == 0 {
		t.Errorf("no planner statistics of customers after the copy (%d, %v)", stats, err)
	}
	for _, name := range dbcopy.Skipped {
		if _, ok := byName[name]; ok {
			t.Errorf("%s copied, want skipped", name)
		}
	}
	if len(seen) != len(tables) {
		t.Errorf("progress finished %d tables, copied %d", len(seen), len(tables))
	}

	var n int
	if err := dst.QueryRow(`SELECT COUNT(*) FROM customers WHERE sales_user_id IS NOT NULL`).Scan(&n); err != nil || n != cycle {
		t.Errorf("customers with a consultant: %d (%v), want %d", n, err, cycle)
	}
	if err := dst.QueryRow(`SELECT COUNT(*) FROM customers WHERE notes = ''`).Scan(&n); err != nil || n != empties {
		t.Errorf("empty notes: %d (%v), want %d", n, err, empties)
	}
	var maxID, newID int64
	if err := dst.QueryRow(`SELECT MAX(id) FROM sites`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	if err := dst.QueryRow(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('COPY-1', 'store', '复制后新建', '上海', '上海', $1) RETURNING id`,
		time.Now()).Scan(&newID); err != nil || newID != maxID+1 {
		t.Errorf("new site id %d (%v), want %d: the sequence did not move past the copied ids", newID, err, maxID+1)
	}
	if _, err := dst.Exec(`DELETE FROM sites WHERE id = $1`, newID); err != nil {
		t.Fatal(err)
	}
	// The copy answers the generator's consistency check exactly as the
	// original does.
	want, err := datagen.Check(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := datagen.Check(ctx, dst)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("check on the copy: %v (%v), on the original: %v", got, err, want)
	}

	if _, err := dst.Exec(`UPDATE customers SET notes = notes || '!' WHERE id = (SELECT MIN(id) FROM customers)`); err != nil {
		t.Fatal(err)
	}
	if _, err := dbcopy.Verify(ctx, src, dst); err == nil || !strings.Contains(err.Error(), "customers") {
		t.Errorf("Verify after a change: %v, want customers named", err)
	}
	if _, err := dbcopy.Copy(ctx, src, dst, nil); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("second copy: %v, want refused", err)
	}
}
