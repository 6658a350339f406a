package report_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/support"
)

// monthWorld is a service world around the new year 2026 (Shanghai time)
// for the month rollups of migration 00029.
type monthWorld struct {
	*fixture
	center, station, other int64
	cust                   int64
	store, seller          int64
}

// The source rows, read back row by row; day is the local date.
type (
	srcAppt struct {
		site                  int64
		day, kind, status     string
		started, onTime, done bool
		durSec                int64
	}
	srcOrder struct {
		site                    int64
		day, status             string
		parts, labour, warranty int64
	}
	srcRating struct {
		site  int64
		day   string
		stars int
	}
	srcFeedback struct {
		site                int64
		day, kind, category string
	}
	srcSale struct {
		store, user        int64
		ordered, delivered string // local days; delivered "" when not delivered
		cancelled          bool
		revenue            int64
	}
	srcEnergy struct {
		site   int64
		day    string
		hour   int
		swap   bool
		fast   bool
		wh     int64
		fen    int64
		durSec int64
	}
)

func localDay(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }

// read runs q and calls fn for each row.
func (w *monthWorld) read(q string, fn func(scan func(...any) error) error) {
	w.t.Helper()
	rows, err := w.d.QueryContext(w.ctx, q)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
}

type monthSources struct {
	appts    []srcAppt
	orders   []srcOrder
	ratings  []srcRating
	feedback []srcFeedback
	energy   []srcEnergy
	sales    []srcSale
}

// sources reads the source tables row by row (not the rollups' SQL).
func (w *monthWorld) sources() *monthSources {
	s := &monthSources{}
	w.read(`SELECT site_id, service_kind, status, scheduled_at, started_at, completed_at FROM appointments`, func(scan func(...any) error) error {
		var a srcAppt
		var at time.Time
		var started, completed *time.Time
		if err := scan(&a.site, &a.kind, &a.status, &at, &started, &completed); err != nil {
			return err
		}
		a.day = localDay(at)
		if started != nil {
			a.started = true
			a.onTime = started.Sub(at) <= 15*time.Minute
			if a.status == "completed" && completed != nil {
				a.done, a.durSec = true, int64(math.Round(completed.Sub(*started).Seconds()))
			}
		}
		s.appts = append(s.appts, a)
		return nil
	})
	w.read(`SELECT site_id, status, completed_at, parts_fen, labour_fen, warranty_fen FROM work_orders`, func(scan func(...any) error) error {
		var o srcOrder
		var at *time.Time
		if err := scan(&o.site, &o.status, &at, &o.parts, &o.labour, &o.warranty); err != nil {
			return err
		}
		if at != nil && (o.status == "completed" || o.status == "closed") {
			o.day = localDay(*at)
			s.orders = append(s.orders, o)
		}
		return nil
	})
	w.read(`SELECT site_id, rating, created_at FROM work_order_ratings`, func(scan func(...any) error) error {
		var r srcRating
		var at time.Time
		if err := scan(&r.site, &r.stars, &at); err != nil {
			return err
		}
		r.day = localDay(at)
		s.ratings = append(s.ratings, r)
		return nil
	})
	w.read(`SELECT COALESCE(site_id, 0), kind, category, created_at FROM feedback`, func(scan func(...any) error) error {
		var f srcFeedback
		var at time.Time
		if err := scan(&f.site, &f.kind, &f.category, &at); err != nil {
			return err
		}
		f.day = localDay(at)
		s.feedback = append(s.feedback, f)
		return nil
	})
	w.read(`SELECT site_id, fast, started_at, energy_kwh, cost_fen FROM charging_sessions WHERE site_id IS NOT NULL`, func(scan func(...any) error) error {
		var e srcEnergy
		var at time.Time
		var kwh float64
		if err := scan(&e.site, &e.fast, &at, &kwh, &e.fen); err != nil {
			return err
		}
		e.day, e.hour, e.wh = localDay(at), at.In(shanghai).Hour(), int64(math.Round(kwh*1000))
		s.energy = append(s.energy, e)
		return nil
	})
	w.read(`SELECT store_id, COALESCE(sales_user_id, 0), status, ordered_at, delivered_at, price_fen - discount_fen FROM vehicle_orders`, func(scan func(...any) error) error {
		var o srcSale
		var status string
		var ordered time.Time
		var delivered *time.Time
		if err := scan(&o.store, &o.user, &status, &ordered, &delivered, &o.revenue); err != nil {
			return err
		}
		o.ordered, o.cancelled = localDay(ordered), status == "cancelled"
		if status == "delivered" && delivered != nil {
			o.delivered = localDay(*delivered)
		}
		s.sales = append(s.sales, o)
		return nil
	})
	w.read(`SELECT site_id, swapped_at, duration_sec, cost_fen FROM battery_swaps`, func(scan func(...any) error) error {
		e := srcEnergy{swap: true}
		var at time.Time
		if err := scan(&e.site, &at, &e.durSec, &e.fen); err != nil {
			return err
		}
		e.day, e.hour = localDay(at), at.In(shanghai).Hour()
		s.energy = append(s.energy, e)
		return nil
	})
	return s
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// want is the month rollups recounted in Go: table -> "month|key..." ->
// summed columns.
func (s *monthSources) want() map[string]map[string][]int64 {
	out := map[string]map[string][]int64{}
	add := func(table, key string, v ...int64) {
		if out[table] == nil {
			out[table] = map[string][]int64{}
		}
		cur := out[table][key]
		if cur == nil {
			cur = make([]int64, len(v))
		}
		for i := range v {
			cur[i] += v[i]
		}
		out[table][key] = cur
	}
	for _, a := range s.appts {
		add("report_appointment_months", fmt.Sprintf("%s|%d|%s|%s", a.day[:7], a.site, a.kind, a.status),
			1, b2i(a.started), b2i(a.onTime), a.durSec, b2i(a.done))
	}
	for _, o := range s.orders {
		add("report_work_order_months", fmt.Sprintf("%s|%d", o.day[:7], o.site), 1, o.parts, o.labour, o.warranty)
	}
	for _, r := range s.ratings {
		add("report_rating_months", fmt.Sprintf("%s|%d|%d", r.day[:7], r.site, r.stars), 1)
	}
	for _, f := range s.feedback {
		add("report_feedback_months", fmt.Sprintf("%s|%d|%s|%s", f.day[:7], f.site, f.kind, f.category), 1)
	}
	for _, o := range s.sales {
		if !o.cancelled {
			add("report_sales_months", fmt.Sprintf("%s|%d|%d", o.ordered[:7], o.store, o.user), 1, 0, 0)
		}
		if o.delivered != "" {
			add("report_sales_months", fmt.Sprintf("%s|%d|%d", o.delivered[:7], o.store, o.user), 0, 1, o.revenue)
		}
	}
	for _, e := range s.energy {
		v := make([]int64, 7+48)
		if e.swap {
			v[4], v[5], v[6], v[7+24+e.hour] = 1, e.durSec, e.fen, 1
		} else {
			v[0], v[1], v[2], v[3], v[7+e.hour] = 1, b2i(e.fast), e.wh, e.fen, 1
		}
		add("report_energy_months", fmt.Sprintf("%s|%d", e.day[:7], e.site), v...)
	}
	return out
}

// monthTables are the rollups of migrations 00029 and 00030: their keys
// and sums.
var monthTables = map[string][2]string{
	"report_appointment_months": {"month, site_id, service_kind, status", "n, started, on_time, dur_sec, dur_n"},
	"report_work_order_months":  {"month, site_id", "n, parts_fen, labour_fen, warranty_fen"},
	"report_rating_months":      {"month, site_id, rating", "n"},
	"report_feedback_months":    {"month, site_id, kind, category", "n"},
	"report_energy_months":      {"month, site_id", "charges, fast, energy_wh, charge_fen, swaps, swap_sec, swap_fen"},
	"report_sales_months":       {"month, store_id, sales_user_id", "orders, deliveries, revenue_fen"},
}

// checkMonths compares every month rollup cell with the recount.
func (w *monthWorld) checkMonths(step string) {
	w.t.Helper()
	want := w.sources().want()
	for table, cols := range monthTables {
		sums := strings.Split(cols[1], ", ")
		if table == "report_energy_months" {
			for _, p := range []string{"c", "s"} {
				for h := range 24 {
					sums = append(sums, fmt.Sprintf("%s%02d", p, h))
				}
			}
		}
		keys := len(strings.Split(cols[0], ", "))
		got := map[string][]int64{}
		w.read(`SELECT `+cols[0]+`, `+strings.Join(sums, ", ")+` FROM `+table, func(scan func(...any) error) error {
			k := make([]string, keys)
			v := make([]int64, len(sums))
			dest := []any{}
			for i := range k {
				dest = append(dest, &k[i])
			}
			for i := range v {
				dest = append(dest, &v[i])
			}
			if err := scan(dest...); err != nil {
				return err
			}
			if slices.ContainsFunc(v, func(x int64) bool { return x != 0 }) {
				got[strings.Join(k, "|")] = v
			}
			return nil
		})
		if fmt.Sprint(got) != fmt.Sprint(want[table]) {
			w.t.Errorf("%s: %s\n got %v\nwant %v", step, table, got, want[table])
		}
	}
}

func newMonthWorld(t *testing.T, d *db.DB) *monthWorld {
	f := &fixture{t: t, d: d, ctx: context.Background(), now: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)}
	w := &monthWorld{fixture: f}
	w.center = f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C1', 'service_center', '上海服务中心', '上海', '上海', $1) RETURNING id`, f.now)
	w.station = f.id(`INSERT INTO sites (code, kind, name, province, city, parent_id, created_at) VALUES ('W1', 'swap_station', '上海换电站', '上海', '上海', $1, $2) RETURNING id`, w.center, f.now)
	w.other = f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C2', 'service_center', '广州服务中心', '广东', '广州', $1) RETURNING id`, f.now)
	model := f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('M0', '启程', '车型', 'BEV', 80, 600, 25000000) RETURNING id`)
	w.cust = f.customer()
	w.store = f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('S1', 'store', '上海门店', '上海', '上海', $1) RETURNING id`, f.now)
	w.seller = f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, created_at, updated_at) VALUES ('s1', '顾问', 'sales', 'x', $1, $2, $2) RETURNING id`, w.store, f.now)
	rng := rand.New(rand.NewPCG(29, 1))
	start := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	// The first and last minute of December 2025 and the first of 2026 in
	// Shanghai, then random times over 80 days.
	edges := []time.Time{time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC), time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)}
	kinds := []string{"complaint", "suggestion", "rating"}
	cats := []string{"charging", "swap", "repair", "service"}
	for i := range 90 {
		at := start.Add(time.Duration(rng.IntN(80*24*60)) * time.Minute)
		if i < len(edges) {
			at = edges[i]
		}
		// A car each: a car has one open appointment of a kind.
		veh := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ($1, $2, $3, '2024-01-01', '2030-01-01', '2032-01-01', $4, $4) RETURNING id`, fmt.Sprintf("LNEAA0000%08d", i), w.cust, model, f.now)
		site := []int64{w.center, w.station, w.other}[rng.IntN(3)]
		kind := map[int64]string{w.center: "repair", w.station: "swap", w.other: "repair"}[site]
		status := []string{"completed", "completed", "no_show", "cancelled", "booked"}[rng.IntN(5)]
		var started, completed any
		if status == "completed" {
			late := time.Duration(rng.IntN(30)) * time.Minute
			started, completed = at.Add(late), at.Add(late+time.Duration(20+rng.IntN(90))*time.Minute)
		}
		slot := at.In(shanghai)
		ap := f.id(`INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute, scheduled_at, status, created_at, updated_at, started_at, completed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7, $9, $10) RETURNING id`, w.cust, veh, site, kind, slot.Format("2006-01-02"), slot.Hour()*60+slot.Minute(), at, status, started, completed)
		var wo any
		if kind == "repair" && rng.IntN(3) > 0 {
			st := []string{"completed", "closed", "in_progress", "cancelled"}[rng.IntN(4)]
			var done any
			if st == "completed" || st == "closed" {
				done = at.Add(3 * time.Hour)
				if i < len(edges) {
					done = at
				}
			}
			id := f.id(`INSERT INTO work_orders (code, appointment_id, site_id, vehicle_id, customer_id, status, parts_fen, labour_fen, warranty_fen, opened_at, completed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, fmt.Sprintf("WO%d", i), ap, site, veh, w.cust, st,
				int64(1000+rng.IntN(50000)), int64(500+rng.IntN(9000)), int64(rng.IntN(3)*1000), at, done)
			wo = id
			if done != nil && rng.IntN(3) > 0 {
				f.id(`INSERT INTO work_order_ratings (work_order_id, customer_id, site_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, '', $5) RETURNING id`,
					id, w.cust, site, 1+rng.IntN(5), at.Add(time.Duration(rng.IntN(3))*time.Hour))
			}
		}
		if rng.IntN(2) == 0 {
			// Feedback linked to the work order, the appointment or nothing
			// (its site then comes from the link, or is none).
			var link, apLink any
			switch rng.IntN(3) {
			case 0:
				link = wo
			case 1:
				apLink = ap
			}
			f.id(`INSERT INTO feedback (customer_id, appointment_id, work_order_id, rating, kind, category, created_at) VALUES ($1, $2, $3, 3, $4, $5, $6) RETURNING id`,
				w.cust, apLink, link, kinds[rng.IntN(3)], cats[rng.IntN(4)], at.Add(time.Hour))
		}
		if rng.IntN(3) == 0 {
			// An order of the store, by the consultant or by nobody:
			// ordered, delivered some days later, or cancelled.
			var user, delivered any
			if rng.IntN(3) > 0 {
				user = w.seller
			}
			status := []string{"ordered", "delivered", "delivered", "cancelled"}[rng.IntN(4)]
			if status == "delivered" {
				delivered = at.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
			}
			f.id(`INSERT INTO vehicle_orders (code, customer_id, store_id, sales_user_id, model_id, price_fen, discount_fen, status, ordered_at, delivered_at)
				VALUES ($1, $2, $3, $4, $5, $6, 100000, $7, $8, $9) RETURNING id`, fmt.Sprintf("VO%d", i), w.cust, w.store, user, model, int64(20000000+rng.IntN(100)*100000), status, at, delivered)
		}
		if rng.IntN(2) == 0 {
			f.id(`INSERT INTO battery_swaps (vehicle_id, customer_id, site_id, swapped_at, battery_out_sn, battery_in_sn, soc_out, soc_in, duration_sec, cost_fen)
				VALUES ($1, $2, $3, $4, 'A', 'B', 10, 95, $5, 5000) RETURNING id`, veh, w.cust, w.station, at, 150+rng.IntN(100))
		} else {
			f.id(`INSERT INTO charging_sessions (vehicle_id, customer_id, site_id, fast, started_at, ended_at, energy_kwh, start_soc, end_soc, cost_fen)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 20, 80, $8) RETURNING id`, veh, w.cust, w.station, rng.IntN(2) == 0, at, at.Add(time.Hour), 10+float64(rng.IntN(500))/10, 1000+rng.IntN(5000))
		}
	}
	return w
}

// TestMonthRollups changes appointments, work orders, ratings, feedback,
// swaps, charges and vehicle orders step by step and compares every month rollup cell with
// a recount from the source rows, on both databases.
func TestMonthRollups(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newMonthWorld(t, d)
		w.checkMonths("after the inserts")
		first := func(q string) int64 {
			t.Helper()
			var id int64
			if err := d.QueryRowContext(w.ctx, q).Scan(&id); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return id
		}
		newYear := time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)
		steps := []struct {
			name string
			sql  string
			args func() []any
		}{
			{"a completed appointment becomes a no-show", `UPDATE appointments SET status = 'no_show', started_at = NULL, completed_at = NULL WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM appointments WHERE status = 'completed'`)} }},
			{"an appointment moves across the new year", `UPDATE appointments SET scheduled_at = $1, slot_date = '2026-01-01' WHERE id = $2`,
				func() []any {
					return []any{newYear.Add(30 * time.Minute), first(`SELECT MAX(id) FROM appointments WHERE slot_date < '2025-12-31' AND slot_date >= '2025-12-01'`)}
				}},
			{"an appointment moves to another center", `UPDATE appointments SET site_id = $1 WHERE id = $2`,
				func() []any {
					return []any{w.other, first(fmt.Sprintf(`SELECT MIN(id) FROM appointments WHERE site_id = %d`, w.center))}
				}},
			{"a booked appointment starts and completes", `UPDATE appointments SET status = 'completed', started_at = scheduled_at, completed_at = scheduled_at WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM appointments WHERE status = 'booked'`)} }},
			{"an appointment without work order or feedback is deleted", `DELETE FROM appointments WHERE id = $1`,
				func() []any {
					return []any{first(`SELECT MIN(a.id) FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.appointment_id = a.id)
						AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.appointment_id = a.id)`)}
				}},
			{"a work order in progress is completed", `UPDATE work_orders SET status = 'completed', completed_at = $1 WHERE id = $2`,
				func() []any {
					return []any{newYear.Add(-time.Minute), first(`SELECT MIN(id) FROM work_orders WHERE status = 'in_progress'`)}
				}},
			{"a completed work order is cancelled", `UPDATE work_orders SET status = 'cancelled' WHERE id = $1`,
				func() []any {
					return []any{first(`SELECT MIN(o.id) FROM work_orders o WHERE status = 'completed' AND NOT EXISTS (SELECT 1 FROM work_order_ratings r WHERE r.work_order_id = o.id)`)}
				}},
			{"a work order's completion moves a month and its parts change", `UPDATE work_orders SET completed_at = $1, parts_fen = parts_fen + 777 WHERE id = $2`,
				func() []any {
					return []any{time.Date(2026, 2, 3, 1, 0, 0, 0, time.UTC), first(`SELECT MAX(id) FROM work_orders WHERE status IN ('completed', 'closed')`)}
				}},
			{"a rating changes its stars", `UPDATE work_order_ratings SET rating = 6 - rating WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM work_order_ratings WHERE rating <> 3`)} }},
			{"a rating moves across the new year", `UPDATE work_order_ratings SET created_at = $1 WHERE id = $2`,
				func() []any { return []any{newYear, first(`SELECT MAX(id) FROM work_order_ratings`)} }},
			{"a rating is deleted", `DELETE FROM work_order_ratings WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM work_order_ratings`)} }},
			{"feedback changes kind and category", `UPDATE feedback SET kind = 'complaint', category = 'billing' WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM feedback WHERE kind <> 'complaint'`)} }},
			{"feedback without a site is linked to an appointment", `UPDATE feedback SET appointment_id = $1 WHERE id = $2`,
				func() []any {
					return []any{first(fmt.Sprintf(`SELECT MIN(id) FROM appointments WHERE site_id = %d`, w.other)),
						first(`SELECT MIN(id) FROM feedback WHERE site_id IS NULL`)}
				}},
			{"feedback loses its links", `UPDATE feedback SET appointment_id = NULL, work_order_id = NULL WHERE id = $1`,
				func() []any { return []any{first(`SELECT MAX(id) FROM feedback WHERE site_id IS NOT NULL`)} }},
			{"feedback is deleted", `DELETE FROM feedback WHERE id = $1`,
				func() []any { return []any{first(`SELECT MAX(id) FROM feedback`)} }},
			{"a swap moves across the new year", `UPDATE battery_swaps SET swapped_at = $1 WHERE id = $2`,
				func() []any { return []any{newYear.Add(-time.Hour), first(`SELECT MAX(id) FROM battery_swaps`)} }},
			{"a charge's energy and cost change", `UPDATE charging_sessions SET energy_kwh = energy_kwh + 1.25, cost_fen = cost_fen + 100 WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM charging_sessions`)} }},
			{"a swap is deleted", `DELETE FROM battery_swaps WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM battery_swaps`)} }},
			{"an order is delivered across the new year", `UPDATE vehicle_orders SET status = 'delivered', delivered_at = $1 WHERE id = $2`,
				func() []any {
					return []any{newYear, first(`SELECT MIN(id) FROM vehicle_orders WHERE status = 'ordered'`)}
				}},
			{"a delivered order is cancelled", `UPDATE vehicle_orders SET status = 'cancelled', delivered_at = NULL WHERE id = $1`,
				func() []any { return []any{first(`SELECT MIN(id) FROM vehicle_orders WHERE status = 'delivered'`)} }},
			{"an order changes consultant and price", `UPDATE vehicle_orders SET sales_user_id = NULL, price_fen = price_fen + 500000 WHERE id = $1`,
				func() []any {
					return []any{first(`SELECT MAX(id) FROM vehicle_orders WHERE status = 'delivered' AND sales_user_id IS NOT NULL`)}
				}},
			{"an order is deleted", `DELETE FROM vehicle_orders WHERE id = $1`,
				func() []any { return []any{first(`SELECT MAX(id) FROM vehicle_orders WHERE status <> 'cancelled'`)} }},
		}
		for _, st := range steps {
			res, err := d.ExecContext(w.ctx, st.sql, st.args()...)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("%s: %d rows", st.name, n)
			}
			w.checkMonths(st.name)
		}
		w.checkPeriods([][2]string{{"2025-12-01", "2026-01-31"}, {"2025-11-20", "2026-02-10"}, {"2025-12-15", "2026-01-20"},
			{"2025-12-10", "2025-12-20"}, {"2026-01-01", "2026-01-01"}, {"2025-12-31", "2025-12-31"}, {"2025-11-25", "2025-12-31"}, {"2027-01-01", "2027-01-31"},
			// A month read whole less two days with another month's days
			// added, and one month less its first and last day.
			{"2025-12-03", "2026-01-08"}, {"2025-12-02", "2025-12-30"}})
	})
}

// TestMonthRollupsOnGeneratedData compares the month rollups, filled by
// their triggers as the generator loads its rows, with a recount of the
// generated rows, and the admin's service reports over whole and partial
// months with counts of those rows, on both databases.
func TestMonthRollupsOnGeneratedData(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(context.Background(), d, datagen.Options{Customers: 300, Seed: 11, Months: 6, Now: now}); err != nil {
			t.Fatal(err)
		}
		w := &monthWorld{fixture: &fixture{t: t, d: d, ctx: context.Background(), now: now}}
		if src := w.sources(); len(src.appts) == 0 || len(src.orders) == 0 || len(src.ratings) == 0 || len(src.feedback) == 0 || len(src.energy) == 0 || len(src.sales) == 0 {
			t.Fatalf("the generated data lacks rows: %d appointments, %d work orders, %d ratings, %d feedback, %d energy, %d sales",
				len(src.appts), len(src.orders), len(src.ratings), len(src.feedback), len(src.energy), len(src.sales))
		}
		w.checkMonths("after generating")
		w.checkPeriods([][2]string{{"2026-07-01", "2026-09-30"}, {"2026-06-15", "2026-10-10"}, {"2026-08-03", "2026-09-28"},
			{"2026-08-10", "2026-08-20"}, {"2026-10-01", "2026-10-01"}, {"2026-05-01", "2026-11-20"}})
	})
}

// checkPeriods compares the service reports over periods with counts of
// the source rows, for an admin and, when the world has one, the adviser of
// w.center (its stations included).
func (w *monthWorld) checkPeriods(periods [][2]string) {
	t := w.t
	s := report.NewService(w.d, func() time.Time { return w.now })
	admin := &identity.User{ID: 9001, Role: identity.RoleAdmin}
	users := []*identity.User{admin}
	if w.center != 0 {
		users = append(users, &identity.User{ID: 77, Role: identity.RoleService, SiteID: w.center})
	}
	src := w.sources()
	// A station reports under its center.
	parent := map[int64]int64{}
	w.read(`SELECT id, COALESCE(parent_id, 0) FROM sites`, func(scan func(...any) error) error {
		var id, p int64
		if err := scan(&id, &p); err != nil {
			return err
		}
		parent[id] = p
		return nil
	})
	centerOf := func(site int64) int64 {
		if p := parent[site]; p != 0 {
			return p
		}
		return site
	}
	for _, p := range periods {
		from, to := p[0], p[1]
		in := func(day string) bool { return day >= from && day <= to }
		for _, u := range users {
			mine := func(site int64) bool { return u == admin || site != 0 && centerOf(site) == w.center }
			name := fmt.Sprintf("%s..%s as %s", from, to, u.Role)
			// Ratings: count and per-month trend.
			ratings, byMonth := 0, map[string]int{}
			for _, r := range src.ratings {
				if in(r.day) && mine(r.site) {
					ratings++
					byMonth[r.day[:7]]++
				}
			}
			r, err := s.ServiceReport(w.ctx, u, report.Filter{Tab: "feedback", From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			if r.Tiles[0].Text != strconv.Itoa(ratings) {
				t.Errorf("%s: %s ratings, want %d", name, r.Tiles[0].Text, ratings)
			}
			centers := map[int64]bool{}
			for _, rt := range src.ratings {
				if in(rt.day) && mine(rt.site) {
					centers[centerOf(rt.site)] = true
				}
			}
			if n := len(r.Table("centers").Rows); n != len(centers) {
				t.Errorf("%s: %d centers rated, want %d", name, n, len(centers))
			}
			if ratings > 0 {
				for m, row := range cells(t, r.Table("satisfaction_trend")) {
					if row[1] != strconv.Itoa(byMonth[m]) {
						t.Errorf("%s: %s has %s ratings, want %d", name, m, row[1], byMonth[m])
					}
				}
			}
			// Feedback: the total of each category.
			cats := map[string]int{}
			for _, f := range src.feedback {
				if in(f.day) && mine(f.site) {
					cats[support.CategoryLabel(f.category)]++
				}
			}
			gotCats := map[string]int{}
			for _, row := range r.Table("feedback_categories").Rows {
				n, _ := strconv.Atoi(row[len(row)-1].Text)
				gotCats[row[0].Text] = n
			}
			if fmt.Sprint(gotCats) != fmt.Sprint(cats) {
				t.Errorf("%s: feedback categories %v, want %v", name, gotCats, cats)
			}
			// Service: appointments, no-shows, on-time starts; work orders and parts.
			var appN, noShow, started, onTime, orders int
			var parts int64
			for _, a := range src.appts {
				if in(a.day) && mine(a.site) {
					appN++
					noShow += int(b2i(a.status == "no_show"))
					started += int(b2i(a.started))
					onTime += int(b2i(a.onTime))
				}
			}
			for _, o := range src.orders {
				if in(o.day) && mine(o.site) {
					orders++
					parts += o.parts
				}
			}
			r, err = s.ServiceReport(w.ctx, u, report.Filter{Tab: "service", From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			pct := func(a, b int) string {
				if b == 0 {
					return "—"
				}
				return fmt.Sprintf("%.1f%%", float64(a)*100/float64(b))
			}
			busy := map[int64]bool{}
			for _, a := range src.appts {
				if in(a.day) && mine(a.site) {
					busy[centerOf(a.site)] = true
				}
			}
			for _, o := range src.orders {
				if in(o.day) && mine(o.site) {
					busy[centerOf(o.site)] = true
				}
			}
			if n := len(r.Table("centers").Rows); n != len(busy) {
				t.Errorf("%s: %d centers with appointments or work orders, want %d", name, n, len(busy))
			}
			if r.Tiles[0].Text != strconv.Itoa(appN) || r.Tiles[1].Text != pct(noShow, appN) || r.Tiles[2].Text != pct(onTime, started) {
				t.Errorf("%s: service tiles %+v, want %d appointments, no-show %s, on time %s", name, r.Tiles, appN, pct(noShow, appN), pct(onTime, started))
			}
			if pt := r.Table("parts"); orders == 0 && len(pt.Rows) != 0 || orders > 0 && (pt.Foot[1].Text != strconv.Itoa(orders) || pt.Foot[2].Text != yuan(parts)) {
				t.Errorf("%s: parts %+v, want %d orders, %s", name, pt.Foot, orders, yuan(parts))
			}
			// Energy: charges and swaps.
			var charges, swaps int
			for _, e := range src.energy {
				if in(e.day) && mine(e.site) {
					if e.swap {
						swaps++
					} else {
						charges++
					}
				}
			}
			r, err = s.ServiceReport(w.ctx, u, report.Filter{Tab: "energy", From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			if r.Tiles[0].Text != strconv.Itoa(charges) || r.Tiles[2].Text != strconv.Itoa(swaps) {
				t.Errorf("%s: energy tiles %+v, want %d charges, %d swaps", name, r.Tiles, charges, swaps)
			}
		}
	}
}
