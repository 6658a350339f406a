package datagen

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

var testNow = time.Date(2026, 11, 20, 6, 30, 0, 0, time.UTC)

func generateT(t *testing.T, d *db.DB, customers int, seed int64) {
	t.Helper()
	err := Generate(context.Background(), d, Options{Customers: customers, Seed: seed, Months: 12, Now: testNow})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
}

func checkT(t *testing.T, d *db.DB) []Problem {
	t.Helper()
	problems, err := Check(context.Background(), d)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return problems
}

// TestGenerateCheck generates the small scale and expects every invariant
// to hold, then corrupts rows one at a time and expects Check to notice.
func TestGenerateCheck(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		generateT(t, d, 1000, 7)
		for _, p := range checkT(t, d) {
			t.Errorf("problem: %s", p)
		}
		// A pack was last updated at its last movement (not at the station's
		// opening when swaps used it since).
		var stale int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM battery_packs b WHERE b.updated_at <>
			(SELECT max(m.created_at) FROM battery_pack_movements m WHERE m.pack_id = b.id)`).Scan(&stale); err != nil || stale > 0 {
			t.Errorf("%d packs whose updated_at is not their last movement's time (%v)", stale, err)
		}
		if err := Generate(ctx, d, Options{Customers: 10, Now: testNow}); err == nil {
			t.Error("Generate on a filled database: want an error")
		}
		corruptions := []struct{ invariant, sql string }{
			{"slot_usage matches appointments", "UPDATE slot_usage SET booked = booked + 1 WHERE site_id = (SELECT min(site_id) FROM slot_usage)"},
			{"stock matches movements", "UPDATE part_stock SET quantity = quantity + 3 WHERE site_id = (SELECT min(site_id) FROM part_stock)"},
			{"VIN check digit", "UPDATE vehicles SET vin = substr(vin, 1, 8) || CASE WHEN substr(vin, 9, 1) = '1' THEN '2' ELSE '1' END || substr(vin, 10) WHERE id = 1"},
			{"mobile format", "UPDATE customers SET mobile = '12345' WHERE id = 1"},
			{"dates in order", "UPDATE work_orders SET opened_at = (SELECT delivered_at FROM vehicles v WHERE v.id = work_orders.vehicle_id) - INTERVAL '1 day' WHERE id = 1"},
			{"accounts match customers", "UPDATE users SET mobile = '13000000000' WHERE id = (SELECT min(id) FROM users WHERE role = 'owner')"},
			{"work-order amounts add up", "UPDATE work_orders SET warranty_fen = warranty_fen + 100 WHERE id = (SELECT min(id) FROM work_orders)"},
			{"work-order ratings", "DELETE FROM service_followups WHERE id = (SELECT min(id) FROM service_followups)"},
			{"repairs complete with their work order", "UPDATE work_orders SET status = 'in_progress', completed_at = NULL, closed_at = NULL WHERE id = (SELECT min(w.id) FROM work_orders w JOIN appointments a ON a.id = w.appointment_id WHERE a.status = 'completed' AND w.id NOT IN (SELECT work_order_id FROM work_order_ratings))"},
			{"generation complete", "UPDATE system_meta SET value = 'running'"},
		}
		for _, c := range corruptions {
			q := c.sql
			if d.Dialect == db.SQLite {
				q = replaceInterval(q)
			}
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatalf("corrupt %s: %v", c.invariant, err)
			}
			found := false
			for _, p := range checkT(t, d) {
				found = found || p.Invariant == c.invariant
			}
			if !found {
				t.Errorf("Check missed a broken %q", c.invariant)
			}
		}
	})
}

// TestGeneratedAccounts checks the generated logins: every staff account and
// about three owners in four have an account marked account.DemoHash (a
// login in demo mode only), owners by their customer's mobile.
func TestGeneratedAccounts(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	generateT(t, d, 1000, 3)
	var staff, staffDemo, owners, ownerAccounts, ownerDemo int
	err := d.QueryRow(`SELECT
		(SELECT count(*) FROM users WHERE role <> 'owner'),
		(SELECT count(*) FROM users WHERE role <> 'owner' AND password_hash = $1),
		(SELECT count(*) FROM customers WHERE kind = 'owner'),
		(SELECT count(*) FROM users u JOIN customers c ON c.id = u.customer_id AND c.mobile = u.mobile WHERE u.role = 'owner' AND c.kind = 'owner'),
		(SELECT count(*) FROM users WHERE role = 'owner' AND password_hash = $1)`, account.DemoHash).
		Scan(&staff, &staffDemo, &owners, &ownerAccounts, &ownerDemo)
	if err != nil {
		t.Fatal(err)
	}
	if staff == 0 || staffDemo != staff {
		t.Errorf("%d of %d staff accounts marked for demo logins", staffDemo, staff)
	}
	if share := float64(ownerAccounts) / float64(owners); share < 0.65 || share > 0.85 || ownerDemo != ownerAccounts {
		t.Errorf("%d of %d owners have accounts (%d marked for demo logins), want about 75 %%", ownerAccounts, owners, ownerDemo)
	}
}

// replaceInterval rewrites the one PostgreSQL interval expression of the
// corruption statements for SQLite.
func replaceInterval(q string) string {
	return string(bytes.ReplaceAll([]byte(q), []byte("(SELECT delivered_at FROM vehicles v WHERE v.id = work_orders.vehicle_id) - INTERVAL '1 day'"),
		[]byte("datetime((SELECT delivered_at FROM vehicles v WHERE v.id = work_orders.vehicle_id), '-1 day')")))
}

// TestDeterministicExport generates twice with the same options and
// expects byte-identical CSV exports, with a BOM and a header.
func TestDeterministicExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var dirs []string
	for i := 0; i < 2; i++ {
		d := dbtest.Open(t, db.SQLite)
		generateT(t, d, 1000, 42)
		dir := t.TempDir()
		if err := ExportCSV(ctx, d, dir); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	files, _ := filepath.Glob(filepath.Join(dirs[0], "*.csv"))
	if len(files) < 35 {
		t.Fatalf("exported %d files, want every table", len(files))
	}
	for _, f := range files {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(dirs[1], filepath.Base(f)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(f))
		}
		if !bytes.HasPrefix(a, []byte("\ufeff")) {
			t.Errorf("%s has no BOM", filepath.Base(f))
		}
	}
	cust, _ := os.ReadFile(filepath.Join(dirs[0], "customers.csv"))
	if !bytes.HasPrefix(cust, []byte("\ufeffid,name,mobile,")) {
		t.Errorf("customers.csv header: %.40q", cust)
	}
}

// TestDemoCity checks what serve --demo relies on: a city with every kind
// of site and owners of swap-capable vehicles, and free capacity ahead.
func TestDemoCity(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	generateT(t, d, 1000, 1)
	var n int
	err := d.QueryRow(`SELECT count(*) FROM (SELECT s.city FROM sites s GROUP BY s.city HAVING count(DISTINCT s.kind) = 4) c
		WHERE EXISTS (SELECT 1 FROM customers cu JOIN vehicles v ON v.customer_id = cu.id JOIN vehicle_models m ON m.id = v.model_id
		WHERE cu.city = c.city AND m.swap_capable)`).Scan(&n)
	if err != nil || n == 0 {
		t.Fatalf("cities with all site kinds and swap-capable owners: %d, %v", n, err)
	}
	// Every site has free places on each of the next 14 days.
	err = d.QueryRow(`SELECT count(*) FROM slot_usage u JOIN site_capacity c ON c.site_id = u.site_id AND c.service_kind = u.service_kind
		WHERE u.slot_date > $1 AND u.booked >= c.places_per_slot`, testNow).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	var total int
	if err := d.QueryRow(`SELECT count(*) FROM slot_usage WHERE slot_date > $1`, testNow).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if n > total/4 {
		t.Errorf("%d of %d future booked slots are full", n, total)
	}
}

// cancelWriter cancels the run on the first progress message, i.e. before
// the first batch is written, like a Ctrl-C during loading.
type cancelWriter func()

func (c cancelWriter) Write(p []byte) (int, error) { c(); return len(p), nil }

func TestInterruptedRunLooksIncomplete(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		err := Generate(ctx, d, Options{Customers: 3000, Seed: 1, Months: 12, Now: testNow, Progress: cancelWriter(cancel)})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Generate after cancel: %v, want context.Canceled", err)
		}
		found := false
		for _, p := range checkT(t, d) {
			found = found || p.Invariant == "generation complete"
		}
		if !found {
			t.Error("Check does not report the interrupted run")
		}
		if err := Generate(context.Background(), d, Options{Customers: 10, Now: testNow}); err == nil {
			t.Error("Generate over an interrupted run: want an error")
		}
	})
}

// TestPickDemoPlace generates the demo dataset for several days (the demo
// is generated for the day the server starts) and expects the demo owner
// PickDemoPlace chooses to have a history to show: a swap-capable car of the
// hub city delivered at least DemoHistoryMonths months before, with as many
// monthly battery-health points, charging sessions and swaps, no open
// appointment and no account. The first day runs on both databases.
func TestPickDemoPlace(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, d *db.DB, now time.Time) {
		if err := Generate(context.Background(), d, DemoOptions(now)); err != nil {
			t.Fatal(err)
		}
		p, err := PickDemoPlace(context.Background(), d, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.City != cities[0].name {
			t.Errorf("demo city %s, want the hub city %s", p.City, cities[0].name)
		}
		var swap bool
		var delivered time.Time
		var health, charging, swaps, open, accounts int
		err = d.QueryRow(`SELECT m.swap_capable, v.delivered_at,
			(SELECT COUNT(*) FROM vehicle_health_history h WHERE h.vehicle_id = v.id),
			(SELECT COUNT(*) FROM charging_sessions cs WHERE cs.vehicle_id = v.id),
			(SELECT COUNT(*) FROM battery_swaps b WHERE b.vehicle_id = v.id),
			(SELECT COUNT(*) FROM appointments a WHERE a.customer_id = v.customer_id AND a.status IN ('booked', 'confirmed', 'in_progress')),
			(SELECT COUNT(*) FROM users u WHERE u.customer_id = v.customer_id)
			FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1 ORDER BY v.id LIMIT 1`, p.CustomerID).
			Scan(&swap, &delivered, &health, &charging, &swaps, &open, &accounts)
		if err != nil {
			t.Fatal(err)
		}
		if !swap || delivered.After(now.AddDate(0, -DemoHistoryMonths, 0)) || health < DemoHistoryMonths || charging < 3 || swaps < 1 || open > 0 || accounts > 0 {
			t.Errorf("demo owner %d on %s: swap-capable %v, delivered %s, %d health months, %d charging sessions, %d swaps, %d open appointments, %d accounts",
				p.CustomerID, now.Format(time.DateOnly), swap, delivered.Format(time.DateOnly), health, charging, swaps, open, accounts)
		}
	}
	t.Run("both databases", func(t *testing.T) {
		dbtest.ForEach(t, func(t *testing.T, d *db.DB) { check(t, d, testNow) })
	})
	for _, days := range []int{1, 10, 41, 150} {
		now := testNow.AddDate(0, 0, days)
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			check(t, dbtest.Open(t, db.SQLite), now)
		})
	}
}
