// Package datagen fills a NEV CRM database with coherent synthetic data
// (customers, leads, orders, vehicles, stations, bookings, work orders,
// community, support), checks the invariants of generated data and exports
// every table as CSV. docs/数据生成说明.md describes the distributions.
package datagen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Options control a generation run.
type Options struct {
	Customers int       // number of customers (small=1000, medium=100000, large=1000000)
	Seed      int64     // same seed, customers, months and Now give the same data
	Months    int       // months of history before Now
	Now       time.Time // reference "now" (UTC); zero means time.Now()
	Progress  io.Writer // nil = silent; terminal → bar, otherwise periodic lines
	// Hub concentrates the data in one city, the first of the list (上海):
	// HubShare of the customers live there, and with them its one store,
	// service center, charging and swap station get a busy year (serve
	// --demo, whose accounts work there). Off, the cities keep their
	// registration weights; the same options give the same data either way.
	Hub bool
}

// HubShare is the share of customers in the hub city under Options.Hub.
const HubShare = 0.6

// DemoOptions are the options serve --demo generates with, for now: 2,000
// customers, seed 1, 24 months, concentrated in the hub city (Options.Hub),
// so that the demo store, service center and stations have a busy last
// year (with a year of owners before it, its first months are busy too).
func DemoOptions(now time.Time) Options {
	return Options{Customers: 2000, Seed: 1, Months: 24, Now: now, Hub: true}
}

// ScaleCustomers maps a scale name (small, medium, large) or a decimal count
// to a number of customers.
func ScaleCustomers(scale string) (int, error) {
	switch scale {
	case "small":
		return 1000, nil
	case "medium":
		return 100000, nil
	case "large":
		return 1000000, nil
	}
	n, err := strconv.Atoi(scale)
	if err != nil || n < 1 || n > 5000000 {
		return 0, fmt.Errorf("scale %q: want small, medium, large or a count from 1 to 5000000", scale)
	}
	return n, nil
}

// MetaKey is the system_meta key recording generation status: "running"
// while loading, "complete ..." once every row and index is in place.
const MetaKey = "datagen_status"

// rowsPerCustomer estimates the rows written per customer (for progress;
// 26.9M rows for 1,000,000 customers over 24 months, seed 1).
const rowsPerCustomer = 27

// shanghai is Asia/Shanghai (UTC+8 all year, no daylight saving since 1991).
var shanghai = time.FixedZone("CST", 8*3600)

// Generate fills a migrated, empty database. It writes system_meta
// datagen_status=running first and "complete" last, so an interrupted run
// (ctx cancelled) leaves a database that Check reports as incomplete.
func Generate(ctx context.Context, d *db.DB, opt Options) error {
	if opt.Customers < 1 {
		return errors.New("datagen: Customers must be positive")
	}
	if opt.Months < 1 {
		opt.Months = 24
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	if err := ensureEmpty(ctx, d); err != nil {
		return err
	}
	if err := upsertMeta(ctx, d, "running", opt.Now); err != nil {
		return err
	}
	deferred, err := deferredDDL(ctx, d)
	if err != nil {
		return err
	}
	if err := dropDDL(ctx, d, deferred); err != nil {
		return err
	}
	prog := newProgress(opt.Progress, int64(opt.Customers)*rowsPerCustomer+5000)
	started := time.Now()
	if err := generate(ctx, d, opt, prog); err != nil {
		// Interrupted or failed: stop at once. The database keeps
		// datagen_status=running (and lacks the deferred indexes and
		// foreign keys), so it cannot pass for a complete one.
		prog.note("datagen: stopped after %s; the database is incomplete, delete it", time.Since(started).Round(time.Millisecond))
		return err
	}
	prog.note("datagen: rows loaded in %s, building indexes and constraints", time.Since(started).Round(time.Millisecond))
	if err := createDDL(ctx, d, deferred); err != nil {
		return err
	}
	prog.note("datagen: indexes built at %s", time.Since(started).Round(time.Millisecond))
	// Campaign extras first: the known-effect campaigns add opportunities
	// whose stage history salesExtras writes.
	if err := campaignExtras(ctx, d, opt); err != nil {
		return err
	}
	if err := salesExtras(ctx, d, opt.Now); err != nil {
		return err
	}
	if err := finish(ctx, d, opt); err != nil {
		return err
	}
	prog.finish()
	return nil
}

// ensureEmpty refuses a database that already has business data or a
// previous (possibly interrupted) generation run.
func ensureEmpty(ctx context.Context, d *db.DB) error {
	for _, t := range []string{"sites", "customers", "users", "vehicle_models", "system_meta"} {
		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return fmt.Errorf("datagen: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("datagen: table %s is not empty; generate into a new database", t)
		}
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// upsertMeta writes the datagen_status row.
func upsertMeta(ctx context.Context, e execer, value string, at time.Time) error {
	_, err := e.ExecContext(ctx, `INSERT INTO system_meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, MetaKey, value, at)
	if err != nil {
		return fmt.Errorf("datagen: write %s: %w", MetaKey, err)
	}
	return nil
}

// finish resets PostgreSQL identity sequences, refreshes planner statistics
// and marks the run complete, in one transaction.
func finish(ctx context.Context, d *db.DB, opt Options) error {
	var tables []string
	if d.Dialect == db.Postgres {
		rows, err := d.QueryContext(ctx, `SELECT table_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, t := range tables {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT max(id) FROM %s), 1), (SELECT max(id) FROM %s) IS NOT NULL)`, t, t, t)
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("reset sequence of %s: %w", t, err)
			}
		}
		value := fmt.Sprintf("complete seed=%d customers=%d months=%d now=%s", opt.Seed, opt.Customers, opt.Months, opt.Now.Format(time.RFC3339))
		if opt.Hub {
			value += " hub=" + cities[0].name
		}
		return upsertMeta(ctx, tx, value, opt.Now)
	})
	if err != nil {
		return err
	}
	// PostgreSQL: VACUUM as well, which marks the freshly loaded pages
	// all-visible, so that index-only scans (the customer list's covering
	// indexes) read no table pages: without it a consultant's list sorted
	// by name read its 3,000 customers' rows, 90 ms (docs/测试说明.md §4.0a).
	analyze := "VACUUM (ANALYZE)"
	if d.Dialect == db.SQLite {
		// A sampled ANALYZE for every table, then a full one of the
		// customer list's tables: sampled statistics read the first 1,000
		// entries of an index, which for customers_list_city are all one
		// city, and led the planner to walk a whole city for one store
		// (docs/测试说明.md §4.0a).
		analyze = "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0; ANALYZE customers; ANALYZE customer_tags; ANALYZE customer_tag_list"
	}
	_, err = d.ExecContext(ctx, analyze)
	return err
}

// Status returns the generation status recorded in the database: "" when no
// generation ran, "running" while loading (or after an interrupted run),
// "complete ..." once finished.
func Status(ctx context.Context, d *db.DB) (string, error) {
	var status string
	err := d.QueryRowContext(ctx, `SELECT value FROM system_meta WHERE key = $1`, MetaKey).Scan(&status)
	if db.NoRows(err) {
		return "", nil
	}
	return status, err
}

// DemoPlace is where the demo accounts are placed: an owner with a
// swap-capable car in a city with a store, a service center and open
// charging and swap stations.
type DemoPlace struct {
	CustomerID int64
	City       string
	StoreID    int64
	CenterID   int64
}

// DemoHistoryMonths is how many months before now PickDemoPlace prefers the
// demo owner's car to have been delivered: as many monthly battery-health
// points, and the charging and swap records of those months.
const DemoHistoryMonths = 6

// PickDemoPlace chooses the demo owner among generated owners without an
// account whose swap-capable car has no open appointment (the visitor books
// it): of the cities with every kind of site, the one with the most upcoming
// appointments (so the service queue is not empty; under Options.Hub the
// hub city) that has such an owner. Among its owners it prefers a car with a
// history to show: delivered at least DemoHistoryMonths months before now
// with charging sessions (three or more) and battery swaps; then one
// delivered at least three months before now; then any; within each, a car
// with a closed work order (a service history) first; ties by lowest
// customer id. It only reads.
func PickDemoPlace(ctx context.Context, d *db.DB, now time.Time) (*DemoPlace, error) {
	rows, err := d.QueryContext(ctx, `SELECT s.city FROM sites s WHERE s.status = 'open' GROUP BY s.city
		HAVING SUM(CASE WHEN s.kind = 'swap_station' THEN 1 ELSE 0 END) > 0
		AND SUM(CASE WHEN s.kind = 'charging_station' THEN 1 ELSE 0 END) > 0
		AND SUM(CASE WHEN s.kind = 'service_center' THEN 1 ELSE 0 END) > 0
		AND SUM(CASE WHEN s.kind = 'store' THEN 1 ELSE 0 END) > 0
		ORDER BY (SELECT COUNT(*) FROM appointments a JOIN sites x ON x.id = a.site_id
			WHERE x.city = s.city AND a.scheduled_at >= $1 AND a.status IN ('booked', 'confirmed')) DESC, s.city`, now.UTC())
	if err != nil {
		return nil, err
	}
	var cities []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		cities = append(cities, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p := DemoPlace{}
	for _, city := range cities {
		err := d.QueryRowContext(ctx, `SELECT c.id FROM customers c
			JOIN vehicles v ON v.customer_id = c.id JOIN vehicle_models m ON m.id = v.model_id
			WHERE c.city = $1 AND c.kind = 'owner' AND m.swap_capable = $2
			AND NOT EXISTS (SELECT 1 FROM users u WHERE u.customer_id = c.id OR u.mobile = c.mobile)
			AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.customer_id = c.id AND a.status IN ('booked', 'confirmed', 'in_progress'))
			ORDER BY CASE WHEN v.delivered_at <= $3 AND (SELECT COUNT(*) FROM charging_sessions cs WHERE cs.vehicle_id = v.id) >= 3
				AND EXISTS (SELECT 1 FROM battery_swaps b WHERE b.vehicle_id = v.id) THEN 0 WHEN v.delivered_at <= $4 THEN 1 ELSE 2 END,
				CASE WHEN EXISTS (SELECT 1 FROM work_orders w WHERE w.vehicle_id = v.id AND w.status = 'closed') THEN 0 ELSE 1 END, c.id
			LIMIT 1`, city, true, now.AddDate(0, -DemoHistoryMonths, 0).UTC(), now.AddDate(0, -3, 0).UTC()).Scan(&p.CustomerID)
		if db.NoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		p.City = city
		break
	}
	if p.CustomerID == 0 {
		return nil, errors.New("no owner with a swap-capable car in a city with every kind of site: generate more data")
	}
	if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM sites WHERE city = $1 AND kind = 'store'`, p.City).Scan(&p.StoreID); err != nil {
		return nil, err
	}
	if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM sites WHERE city = $1 AND kind = 'service_center'`, p.City).Scan(&p.CenterID); err != nil {
		return nil, err
	}
	return &p, nil
}

// DemoOwner is a generated owner with an account and a vehicle, whom the demo
// set-up books appointments for.
type DemoOwner struct {
	UserID, CustomerID, VehicleID int64
	SwapCapable                   bool
}

// DemoOwners lists at most limit owners who have an active owner account
// and a vehicle delivered before before, one row per vehicle: those of city
// first (then visitors from other cities), by customer and vehicle id. It
// only reads.
func DemoOwners(ctx context.Context, d *db.DB, city string, before time.Time, limit int) ([]DemoOwner, error) {
	rows, err := d.QueryContext(ctx, `SELECT u.id, c.id, v.id, m.swap_capable FROM customers c
		JOIN users u ON u.customer_id = c.id JOIN vehicles v ON v.customer_id = c.id JOIN vehicle_models m ON m.id = v.model_id
		WHERE u.role = 'owner' AND u.active = $1 AND v.delivered_at < $2
		ORDER BY CASE WHEN c.city = $3 THEN 0 ELSE 1 END, c.id, v.id LIMIT $4`, true, before.UTC(), city, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DemoOwner
	for rows.Next() {
		var o DemoOwner
		if err := rows.Scan(&o.UserID, &o.CustomerID, &o.VehicleID, &o.SwapCapable); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
