package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	bookings "github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// Problem is one violated invariant.
type Problem struct {
	Invariant string // short name, e.g. "slot_usage matches appointments"
	Detail    string // what was found
}

func (p Problem) String() string { return p.Invariant + ": " + p.Detail }

// emptyAllowed are the tables that may stay empty after generation: runtime
// state, the notifications that events of the running system create, and
// the background jobs' progress rows, and what sales staff create while
// working (saved views, imports and their mappings; notes until the
// generator fills them).
var emptyAllowed = map[string]bool{"sessions": true, "login_failures": true, "notifications": true, "job_runs": true, "job_file_chunks": true,
	"customer_views": true, "customer_imports": true, "customer_import_chunks": true, "customer_import_mappings": true,
	"customer_notes": true, "vehicle_bind_failures": true,
	// Replies on support tickets are written by staff and owners at run time.
	"support_ticket_messages": true,
	// Lead scoring: models are trained and scores written after generation (nevcrm leads train).
	"lead_score_models": true, "lead_scores": true, "lead_history_imports": true, "lead_history_rows": true, "owner_scores": true,
	// Campaigns: covers are uploaded by staff, effect figures are cached
	// when first viewed.
	"campaign_cover_images": true, "campaign_effect_cache": true,
	// Monthly sales targets are set by admins; the comment word rollup is
	// written by the running system's report_comment_words job (every day
	// with comments waits in report_comment_days until then).
	"sales_targets": true, "report_comment_words": true}

// Check verifies the invariants of a generated database (docs/数据生成说明.md,
// 完整性检查): generation complete, every table filled, foreign keys,
// booking capacity, stock balances, chronological order, VIN check digits,
// plate and mobile formats and derived counters. An empty result means all
// invariants hold; the error reports a failed query.
func Check(ctx context.Context, d *db.DB) ([]Problem, error) {
	c := &checker{ctx: ctx, d: d, problems: []Problem{}}
	c.status()
	tables, err := tableNames(ctx, d)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !emptyAllowed[t] {
			c.hasRows(t)
		}
	}
	c.foreignKeys()
	for _, q := range countChecks {
		c.zero(q.invariant, q.detail, q.sql)
	}
	for _, q := range inventory.Invariants {
		c.zero("inventory", q.Name, q.SQL)
	}
	c.appointmentTimes()
	c.stockRunning()
	c.formats()
	return c.problems, c.err
}

type checker struct {
	ctx      context.Context
	d        *db.DB
	problems []Problem
	err      error
}

func (c *checker) add(invariant, format string, args ...any) {
	c.problems = append(c.problems, Problem{Invariant: invariant, Detail: fmt.Sprintf(format, args...)})
}

// zero reports a problem when the counting query returns more than zero.
func (c *checker) zero(invariant, detail, query string) {
	if c.err != nil {
		return
	}
	var n int64
	if err := c.d.QueryRowContext(c.ctx, query).Scan(&n); err != nil {
		c.err = fmt.Errorf("check %q: %w", invariant, err)
		return
	}
	if n > 0 {
		c.add(invariant, "%s (%d rows)", detail, n)
	}
}

func (c *checker) hasRows(table string) {
	if c.err != nil {
		return
	}
	var one int
	err := c.d.QueryRowContext(c.ctx, "SELECT 1 FROM "+table+" LIMIT 1").Scan(&one)
	switch {
	case db.NoRows(err):
		c.add("table has rows", "%s is empty", table)
	case err != nil:
		c.err = fmt.Errorf("check %s: %w", table, err)
	}
}

func (c *checker) status() {
	var v string
	err := c.d.QueryRowContext(c.ctx, "SELECT value FROM system_meta WHERE key = $1", MetaKey).Scan(&v)
	switch {
	case db.NoRows(err):
		c.add("generation complete", "system_meta has no %s", MetaKey)
	case err != nil:
		c.err = err
	case !strings.HasPrefix(v, "complete"):
		c.add("generation complete", "%s = %q: the run did not finish", MetaKey, v)
	}
}

// foreignKeys checks every single-column foreign key with an anti-join, so
// the check also covers data loaded with constraints off.
func (c *checker) foreignKeys() {
	q := `SELECT m.name, f."from", f."table", f."to" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
	      WHERE m.type = 'table' ORDER BY 1, 2`
	if c.d.Dialect == db.Postgres {
		q = `SELECT CAST(CAST(k.conrelid AS regclass) AS text), a.attname, CAST(CAST(k.confrelid AS regclass) AS text), af.attname
		     FROM pg_constraint k
		     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
		     JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = k.confkey[1]
		     WHERE k.contype = 'f' AND k.connamespace = CAST(current_schema() AS regnamespace) ORDER BY 1, 2`
	}
	rows, err := c.d.QueryContext(c.ctx, q)
	if err != nil {
		c.err = fmt.Errorf("list foreign keys: %w", err)
		return
	}
	var fks [][4]string
	for rows.Next() {
		var f [4]string
		if err := rows.Scan(&f[0], &f[1], &f[2], &f[3]); err != nil {
			rows.Close()
			c.err = err
			return
		}
		fks = append(fks, f)
	}
	rows.Close()
	for _, f := range fks {
		c.zero("foreign key", fmt.Sprintf("%s.%s → %s.%s missing", f[0], f[1], f[2], f[3]),
			fmt.Sprintf("SELECT count(*) FROM %s c WHERE c.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s p WHERE p.%s = c.%s)", f[0], f[1], f[2], f[3], f[1]))
	}
}

var countChecks = []struct{ invariant, detail, sql string }{
	// The customer list's tag table (migration 00027, kept by triggers).
	{"customer_tag_list matches customer_tags", "a customer tag without its customer_tag_list row, or with other list columns than its customer's",
		`SELECT count(*) FROM customer_tags t JOIN customers c ON c.id = t.customer_id
		 LEFT JOIN customer_tag_list l ON l.id = t.customer_id AND l.tag = t.tag
		 WHERE l.id IS NULL OR l.stage <> c.stage OR l.kind <> c.kind OR l.city <> c.city OR l.source <> c.source
		    OR l.store_id IS DISTINCT FROM c.store_id OR l.sales_user_id IS DISTINCT FROM c.sales_user_id
		    OR l.preferred_model_id IS DISTINCT FROM c.preferred_model_id OR l.consent_marketing <> c.consent_marketing
		    OR l.last_contact_at IS DISTINCT FROM c.last_contact_at OR l.name <> c.name OR l.created_at <> c.created_at
		    OR l.updated_at <> c.updated_at`},
	{"customer_tag_list matches customer_tags", "a customer_tag_list row without its customer tag",
		`SELECT count(*) FROM customer_tag_list l LEFT JOIN customer_tags t ON t.customer_id = l.id AND t.tag = l.tag WHERE t.tag IS NULL`},
	// The copy of a feedback row's site (migration 00025).
	{"feedback.site_id matches its links", "site_id differs from the work order's site, else the appointment's",
		`SELECT count(*) FROM feedback f WHERE COALESCE(f.site_id, 0) <> COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = f.work_order_id),
		 (SELECT ap.site_id FROM appointments ap WHERE ap.id = f.appointment_id), 0)`},
	// Booking capacity.
	{"slot_usage matches appointments", "booked differs from the non-cancelled appointments of the slot",
		`SELECT count(*) FROM slot_usage u WHERE u.booked <> (SELECT count(*) FROM appointments a WHERE a.site_id = u.site_id
		 AND a.service_kind = u.service_kind AND a.slot_date = u.slot_date AND a.slot_minute = u.slot_minute AND a.status <> 'cancelled')`},
	{"slot_usage matches appointments", "non-cancelled appointments without a slot_usage row",
		`SELECT count(*) FROM (SELECT site_id, service_kind, slot_date, slot_minute FROM appointments WHERE status <> 'cancelled'
		 GROUP BY site_id, service_kind, slot_date, slot_minute) a WHERE NOT EXISTS (SELECT 1 FROM slot_usage u WHERE u.site_id = a.site_id
		 AND u.service_kind = a.service_kind AND u.slot_date = a.slot_date AND u.slot_minute = a.slot_minute)`},
	{"capacity never exceeded", "slot booked beyond places_per_slot (or no capacity row)",
		`SELECT count(*) FROM slot_usage u LEFT JOIN site_capacity c ON c.site_id = u.site_id AND c.service_kind = u.service_kind
		 WHERE c.site_id IS NULL OR u.booked > c.places_per_slot`},
	// A no-show's battery is given back (booking.Act), so it does not count.
	{"swap_day_usage matches appointments", "booked differs from the day's swap appointments (not cancelled, not no-show)",
		`SELECT count(*) FROM swap_day_usage u WHERE u.booked <> (SELECT count(*) FROM appointments a WHERE a.site_id = u.site_id
		 AND a.service_kind = 'swap' AND a.slot_date = u.slot_date AND a.status NOT IN ('cancelled', 'no_show'))`},
	{"swap_day_usage matches appointments", "swap days without a swap_day_usage row",
		`SELECT count(*) FROM (SELECT site_id, slot_date FROM appointments WHERE service_kind = 'swap' AND status NOT IN ('cancelled', 'no_show')
		 GROUP BY site_id, slot_date) a WHERE NOT EXISTS (SELECT 1 FROM swap_day_usage u WHERE u.site_id = a.site_id AND u.slot_date = a.slot_date)`},
	// A swap is booked only while the day's bookings are fewer than the
	// station's charged batteries of that moment (booking.takeBattery), but
	// the charged count moves afterwards: each completed swap turns a
	// charged pack into a charging one, staff send packs to maintenance.
	// So a day's bookings may exceed today's charged count legitimately;
	// what cannot happen is more than the station ever had charged: all its
	// packs where packs are tracked (packs are never removed), else the
	// fixed charged_batteries (no pack record changes it).
	{"capacity never exceeded", "a day's swap bookings beyond the station's batteries (its packs where tracked, else charged_batteries)",
		`SELECT count(*) FROM swap_day_usage u JOIN sites s ON s.id = u.site_id WHERE u.booked > CASE
		 WHEN EXISTS (SELECT 1 FROM battery_packs b WHERE b.site_id = s.id) THEN s.battery_total ELSE s.charged_batteries END`},
	{"one open appointment per vehicle and slot", "a vehicle holds several open appointments in the same slot",
		`SELECT count(*) FROM (SELECT vehicle_id FROM appointments WHERE vehicle_id IS NOT NULL AND status IN ('booked', 'confirmed', 'in_progress')
		 GROUP BY vehicle_id, slot_date, slot_minute HAVING count(*) > 1) x`},
	{"one open appointment per vehicle and kind", "a vehicle holds several open appointments of one kind of service",
		`SELECT count(*) FROM (SELECT vehicle_id FROM appointments WHERE vehicle_id IS NOT NULL AND status IN ('booked', 'confirmed', 'in_progress')
		 GROUP BY vehicle_id, service_kind HAVING count(*) > 1) x`},
	{"appointment fits its site", "service kind not offered by the site kind",
		`SELECT count(*) FROM appointments a JOIN sites s ON s.id = a.site_id WHERE NOT (
		 (a.service_kind = 'charging' AND s.kind = 'charging_station') OR (a.service_kind = 'swap' AND s.kind = 'swap_station')
		 OR (a.service_kind = 'repair' AND s.kind = 'service_center') OR (a.service_kind = 'test_drive' AND s.kind = 'store'))`},
	{"appointment fits its site", "slot outside opening hours or off the slot grid",
		`SELECT count(*) FROM appointments a JOIN sites s ON s.id = a.site_id WHERE a.slot_minute < s.open_minute
		 OR a.slot_minute >= s.close_minute OR (a.slot_minute - s.open_minute) % s.slot_minutes <> 0`},
	{"swaps need swap-capable vehicles", "swap or swap appointment of a vehicle whose model cannot swap",
		`SELECT (SELECT count(*) FROM battery_swaps b JOIN vehicles v ON v.id = b.vehicle_id JOIN vehicle_models m ON m.id = v.model_id WHERE NOT m.swap_capable)
		 + (SELECT count(*) FROM appointments a JOIN vehicles v ON v.id = a.vehicle_id JOIN vehicle_models m ON m.id = v.model_id
		 WHERE a.service_kind = 'swap' AND NOT m.swap_capable)`},
	{"campaign capacity", "more non-cancelled participants than places",
		`SELECT count(*) FROM campaigns c WHERE c.capacity > 0 AND c.capacity <
		 (SELECT count(*) FROM campaign_participations p WHERE p.campaign_id = c.id AND p.status <> 'cancelled')`},
	// Owner center (migration 00011): ownership and the monthly history.
	{"vehicle ownership", "a vehicle whose open ownership is missing, doubled or of another customer",
		`SELECT count(*) FROM vehicles v WHERE (SELECT count(*) FROM vehicle_ownerships o WHERE o.vehicle_id = v.id AND o.ended_at IS NULL
		 AND o.customer_id = v.customer_id) <> 1`},
	{"battery health history", "a month healthier than the month before, or an odometer that went back",
		`SELECT count(*) FROM (SELECT battery_soh, LAG(battery_soh) OVER (PARTITION BY vehicle_id ORDER BY month) AS prev_soh,
		 mileage_km, LAG(mileage_km) OVER (PARTITION BY vehicle_id ORDER BY month) AS prev_km FROM vehicle_health_history) h
		 WHERE h.battery_soh > h.prev_soh OR h.mileage_km < h.prev_km`},
	{"battery health history", "the newest month differs from the vehicle's battery health or odometer",
		`SELECT count(*) FROM vehicles v JOIN vehicle_health_history h ON h.vehicle_id = v.id
		 AND h.month = (SELECT max(x.month) FROM vehicle_health_history x WHERE x.vehicle_id = v.id)
		 WHERE h.battery_soh <> v.battery_soh OR h.mileage_km > v.mileage_km`},
	// Stock.
	{"stock matches movements", "part_stock.quantity differs from the sum of its movements",
		`SELECT count(*) FROM part_stock p WHERE p.quantity <> COALESCE((SELECT sum(m.quantity) FROM stock_movements m
		 WHERE m.site_id = p.site_id AND m.part_id = p.part_id), 0)`},
	{"stock matches movements", "movements without a part_stock row",
		`SELECT count(*) FROM (SELECT site_id, part_id FROM stock_movements GROUP BY site_id, part_id) m
		 WHERE NOT EXISTS (SELECT 1 FROM part_stock p WHERE p.site_id = m.site_id AND p.part_id = m.part_id)`},
	{"stock never negative", "negative quantity or balance",
		`SELECT (SELECT count(*) FROM part_stock WHERE quantity < 0) + (SELECT count(*) FROM stock_movements WHERE balance_after < 0)`},
	{"work-order parts come from stock", "parts used differ from the stock issued to the work order",
		`SELECT count(*) FROM work_orders w WHERE COALESCE((SELECT sum(p.quantity) FROM work_order_parts p WHERE p.work_order_id = w.id AND p.returned = FALSE), 0)
		 <> -COALESCE((SELECT sum(m.quantity) FROM stock_movements m WHERE m.work_order_id = w.id), 0)`},
	// Work orders (internal/workorder): the totals split owner-paid and
	// warranty, labour at standard time × rate, ratings and follow-ups.
	{"work-order amounts add up", "labour_fen or parts_fen differ from their lines, or owner-paid and warranty do not split them",
		`SELECT count(*) FROM work_orders w WHERE w.labour_fen <> COALESCE((SELECT sum(amount_fen) FROM work_order_labour l WHERE l.work_order_id = w.id), 0)
		 OR w.parts_fen <> COALESCE((SELECT sum(amount_fen) FROM work_order_parts p WHERE p.work_order_id = w.id AND p.returned = FALSE), 0)
		 OR w.warranty_fen <> COALESCE((SELECT sum(amount_fen) FROM work_order_labour l WHERE l.work_order_id = w.id AND l.payer = 'warranty'), 0)
			+ COALESCE((SELECT sum(amount_fen) FROM work_order_parts p WHERE p.work_order_id = w.id AND p.payer = 'warranty' AND p.returned = FALSE), 0)
		 OR w.total_fen <> CASE WHEN w.labour_fen + w.parts_fen - w.warranty_fen > w.discount_fen
			THEN w.labour_fen + w.parts_fen - w.warranty_fen - w.discount_fen ELSE 0 END`},
	{"work-order amounts add up", "labour line amount is not minutes × hourly rate / 60",
		`SELECT count(*) FROM work_order_labour WHERE amount_fen <> minutes * rate_fen / 60`},
	{"work-order ratings", "a rating of a work order not handed over, or of another customer's",
		`SELECT count(*) FROM work_order_ratings r JOIN work_orders w ON w.id = r.work_order_id
		 WHERE w.status <> 'closed' OR r.customer_id <> w.customer_id OR r.site_id <> w.site_id OR r.created_at < w.closed_at`},
	{"work-order ratings", "a rating of 2 or lower without its follow-up case, or a follow-up of a higher rating",
		`SELECT (SELECT count(*) FROM work_order_ratings r WHERE r.rating <= 2 AND NOT EXISTS (SELECT 1 FROM service_followups f WHERE f.rating_id = r.id))
		 + (SELECT count(*) FROM service_followups f JOIN work_order_ratings r ON r.id = f.rating_id WHERE r.rating > 2 OR f.work_order_id <> r.work_order_id)`},
	{"work-order ratings", "a closed follow-up without its outcome",
		`SELECT count(*) FROM service_followups WHERE status = 'closed' AND (resolution = '' OR closed_at IS NULL)`},
	{"repairs complete with their work order", "a completed repair appointment without a completed or handed-over work order",
		`SELECT count(*) FROM appointments a WHERE a.service_kind = 'repair' AND a.status = 'completed'
		 AND NOT EXISTS (SELECT 1 FROM work_orders w WHERE w.appointment_id = a.id AND w.status IN ('completed', 'closed'))`},
	// Chronology: lead → order → delivery → service.
	{"dates in order", "lead created before its customer",
		`SELECT count(*) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.created_at < c.created_at`},
	{"dates in order", "order placed before its lead",
		`SELECT count(*) FROM vehicle_orders o JOIN opportunities p ON p.id = o.opportunity_id JOIN leads l ON l.id = p.lead_id
		 WHERE o.ordered_at < l.created_at`},
	{"dates in order", "delivery before order, or vehicle delivery differs from its order's",
		`SELECT count(*) FROM vehicle_orders o LEFT JOIN vehicles v ON v.id = o.vehicle_id
		 WHERE o.delivered_at < o.ordered_at OR (v.id IS NOT NULL AND (o.delivered_at IS NULL OR v.delivered_at <> o.delivered_at))`},
	{"dates in order", "service, booking, charging or swap before the vehicle's delivery",
		`SELECT (SELECT count(*) FROM work_orders w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.opened_at < v.delivered_at)
		 + (SELECT count(*) FROM appointments a JOIN vehicles v ON v.id = a.vehicle_id WHERE a.scheduled_at < v.delivered_at)
		 + (SELECT count(*) FROM charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id WHERE c.started_at < v.delivered_at)
		 + (SELECT count(*) FROM battery_swaps b JOIN vehicles v ON v.id = b.vehicle_id WHERE b.swapped_at < v.delivered_at)`},
	{"dates in order", "completion before start",
		`SELECT (SELECT count(*) FROM appointments WHERE completed_at < started_at)
		 + (SELECT count(*) FROM work_orders WHERE completed_at < opened_at OR closed_at < completed_at)
		 + (SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.created_at < p.created_at)`},
	// Consistency of derived values.
	{"owners have vehicles", "kind 'owner' without a vehicle, or a vehicle owned by a prospect",
		`SELECT count(*) FROM customers c WHERE (c.kind = 'owner') <> EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = c.id)`},
	{"post counters", "like_count or comment_count differ from the rows",
		`SELECT count(*) FROM posts p WHERE p.like_count <> (SELECT count(*) FROM post_likes l WHERE l.post_id = p.id)
		 OR p.comment_count <> (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.status = 'published')
		 OR p.favorite_count <> (SELECT count(*) FROM post_favorites f WHERE f.post_id = p.id)
		 OR p.photo_count <> (SELECT count(*) FROM post_photos f WHERE f.post_id = p.id)`},
	{"post counters", "a reply to a reply or to a comment of another post",
		`SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id WHERE p.parent_id IS NOT NULL OR p.post_id <> c.post_id`},
	{"search index", "a published post without index terms, or a hidden one with",
		`SELECT count(*) FROM posts p WHERE (p.status = 'published') <> EXISTS (SELECT 1 FROM post_terms t WHERE t.post_id = p.id)`},
	{"charging fits the battery", "energy above what the state-of-charge change allows (20 % losses), or SoC not rising",
		`SELECT count(*) FROM charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id JOIN vehicle_models m ON m.id = v.model_id
		 WHERE c.end_soc <= c.start_soc OR c.energy_kwh > m.battery_kwh * (c.end_soc - c.start_soc) / 100.0 * 1.2`},
	{"charging fits the battery", "station session not at a charging station",
		`SELECT count(*) FROM charging_sessions c LEFT JOIN sites s ON s.id = c.site_id
		 WHERE c.location_kind = 'station' AND (s.id IS NULL OR s.kind <> 'charging_station')`},
	{"accounts match customers", "owner account without its customer or with another mobile, or a staff account linked to a customer",
		`SELECT count(*) FROM users u LEFT JOIN customers c ON c.id = u.customer_id
		 WHERE (u.role = 'owner' AND (c.id IS NULL OR u.mobile IS NULL OR u.mobile <> c.mobile)) OR (u.role <> 'owner' AND u.customer_id IS NOT NULL)`},
	{"staff at the right site", "sales not at a store or service staff not at a service center",
		`SELECT count(*) FROM users u LEFT JOIN sites s ON s.id = u.site_id
		 WHERE (u.role = 'sales' AND (s.kind IS NULL OR s.kind <> 'store')) OR (u.role = 'service' AND (s.kind IS NULL OR s.kind <> 'service_center'))`},
}

// appointmentTimes checks that scheduled_at is the UTC instant of the
// local (Asia/Shanghai) slot_date and slot_minute.
func (c *checker) appointmentTimes() {
	if c.err != nil {
		return
	}
	rows, err := c.d.QueryContext(c.ctx, "SELECT id, slot_date, slot_minute, scheduled_at, started_at FROM appointments")
	if err != nil {
		c.err = err
		return
	}
	defer rows.Close()
	bad, first := 0, int64(0)
	early, firstEarly := 0, int64(0)
	for rows.Next() {
		var id int64
		var day, at time.Time
		var started sql.NullTime
		var minute int
		if err := rows.Scan(&id, &day, &minute, &at, &started); err != nil {
			c.err = err
			return
		}
		want := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, shanghai).Add(time.Duration(minute) * time.Minute)
		if !want.Equal(at) {
			if bad == 0 {
				first = id
			}
			bad++
		}
		// Staff may start a service up to bookings.StartWindow before its
		// slot (booking.Act), no earlier.
		if started.Valid && started.Time.Before(at.Add(-bookings.StartWindow)) {
			if early == 0 {
				firstEarly = id
			}
			early++
		}
	}
	if c.err = rows.Err(); c.err != nil {
		return
	}
	if bad > 0 {
		c.add("appointment time matches slot", "%d appointments (first id %d) whose scheduled_at is not slot_date + slot_minute in Asia/Shanghai", bad, first)
	}
	if early > 0 {
		c.add("dates in order", "%d appointments (first id %d) started more than %g hours before their slot", early, firstEarly, bookings.StartWindow.Hours())
	}
}

// stockRunning replays the movements of every (site, part) in time order:
// each balance_after must equal the running sum, which never goes negative.
func (c *checker) stockRunning() {
	if c.err != nil {
		return
	}
	rows, err := c.d.QueryContext(c.ctx, "SELECT id, site_id, part_id, quantity, balance_after FROM stock_movements ORDER BY site_id, part_id, created_at, id")
	if err != nil {
		c.err = err
		return
	}
	defer rows.Close()
	var site, part, sum int64 = -1, -1, 0
	bad, first := 0, int64(0)
	for rows.Next() {
		var id, s, p, q, bal int64
		if err := rows.Scan(&id, &s, &p, &q, &bal); err != nil {
			c.err = err
			return
		}
		if s != site || p != part {
			site, part, sum = s, p, 0
		}
		sum += q
		if sum != bal || sum < 0 {
			if bad == 0 {
				first = id
			}
			bad++
			sum = bal
		}
	}
	if c.err = rows.Err(); c.err == nil && bad > 0 {
		c.add("stock never negative", "%d movements (first id %d) whose balance_after is not the running sum in time order", bad, first)
	}
}

// formats checks VIN check digits, plates (D for battery electric, F for
// the others) and mobile numbers.
func (c *checker) formats() {
	if c.err != nil {
		return
	}
	rows, err := c.d.QueryContext(c.ctx, `SELECT v.id, v.vin, COALESCE(v.plate, ''), m.powertrain FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id`)
	if err != nil {
		c.err = err
		return
	}
	var badVIN, badPlate []string
	for rows.Next() {
		var id int64
		var vin, plate, pt string
		if err := rows.Scan(&id, &vin, &plate, &pt); err != nil {
			rows.Close()
			c.err = err
			return
		}
		if !ValidVIN(vin) {
			badVIN = append(badVIN, vin)
		}
		if plate != "" && (!ValidPlate(plate) || (pt == "BEV") != (plate[len(plate)-6] == 'D')) {
			badPlate = append(badPlate, plate)
		}
	}
	rows.Close()
	if c.err = rows.Err(); c.err != nil {
		return
	}
	if len(badVIN) > 0 {
		c.add("VIN check digit", "%d invalid VINs, e.g. %s", len(badVIN), badVIN[0])
	}
	if len(badPlate) > 0 {
		c.add("plate format", "%d plates not 8-character D/F new-energy plates matching the powertrain, e.g. %s", len(badPlate), badPlate[0])
	}
	rows, err = c.d.QueryContext(c.ctx, "SELECT mobile FROM customers")
	if err != nil {
		c.err = err
		return
	}
	defer rows.Close()
	var badMobile []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			c.err = err
			return
		}
		if !ValidMobile(m) {
			badMobile = append(badMobile, m)
		}
	}
	if c.err = rows.Err(); c.err == nil && len(badMobile) > 0 {
		c.add("mobile format", "%d customer mobiles not 11-digit mobile numbers, e.g. %q", len(badMobile), badMobile[0])
	}
}

// tableNames lists the application tables: not the migration bookkeeping,
// nor the job queue's river_* tables (River's own; runtime state, not data).
func tableNames(ctx context.Context, d *db.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'goose_db_version' ORDER BY name`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
		     AND table_name <> 'goose_db_version' ORDER BY table_name`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if strings.HasPrefix(n, "river_") {
			continue
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
