package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

// rollupCols are the summed columns of report_lead_days(_all), in order.
var rollupCols = []string{"leads", "td", "td_n", "td_ms", "opp", "opp_both", "opp_ms", "ord", "ord_both", "ord_ms", "deliv", "deliv_both", "deliv_ms", "orders", "revenue_fen"}

// leadRecount is one lead's funnel recounted in Go from the raw rows.
type leadRecount struct {
	store, campaign   int64
	source            string
	flag              bool
	created           time.Time
	td, opp, ord, del *time.Time
	orders            int64
	revenue           int64
}

func earliest(p **time.Time, t time.Time) {
	if *p == nil || t.Before(**p) {
		*p = &t
	}
}

// recountLeads reads leads, test drives, opportunities and orders row by
// row and works out each lead's stages in Go (not the SQL of the rollup).
func recountLeads(t *testing.T, f *fixture) map[int64]*leadRecount {
	t.Helper()
	leads := map[int64]*leadRecount{}
	q := func(sql string, fn func(scan func(...any) error)) {
		rows, err := f.d.QueryContext(f.ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			fn(rows.Scan)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT id, COALESCE(store_id, 0), COALESCE(campaign_id, 0), source, test_drive, created_at FROM leads`, func(scan func(...any) error) {
		var id int64
		l := &leadRecount{}
		if err := scan(&id, &l.store, &l.campaign, &l.source, &l.flag, &l.created); err != nil {
			t.Fatal(err)
		}
		leads[id] = l
	})
	q(`SELECT COALESCE(lead_id, 0), status, scheduled_at FROM test_drives`, func(scan func(...any) error) {
		var lead int64
		var status string
		var at time.Time
		if err := scan(&lead, &status, &at); err != nil {
			t.Fatal(err)
		}
		if l := leads[lead]; l != nil && status == "done" {
			earliest(&l.td, at)
		}
	})
	oppLead := map[int64]int64{}
	q(`SELECT id, COALESCE(lead_id, 0), created_at FROM opportunities`, func(scan func(...any) error) {
		var id, lead int64
		var at time.Time
		if err := scan(&id, &lead, &at); err != nil {
			t.Fatal(err)
		}
		oppLead[id] = lead
		if l := leads[lead]; l != nil {
			earliest(&l.opp, at)
		}
	})
	q(`SELECT COALESCE(opportunity_id, 0), status, ordered_at, delivered_at, price_fen - discount_fen FROM vehicle_orders`, func(scan func(...any) error) {
		var opp, fen int64
		var status string
		var ordered time.Time
		var delivered *time.Time
		if err := scan(&opp, &status, &ordered, &delivered, &fen); err != nil {
			t.Fatal(err)
		}
		l := leads[oppLead[opp]]
		if l == nil || status == "cancelled" {
			return
		}
		l.orders++
		earliest(&l.ord, ordered)
		if status == "delivered" && delivered != nil {
			earliest(&l.del, *delivered)
			l.revenue += fen
		}
	})
	return leads
}

// contribution is what one lead adds to its rollup cell, by rollupCols, as
// the funnel report defines its stages and times.
func (l *leadRecount) contribution() []int64 {
	b := func(ok bool) int64 {
		if ok {
			return 1
		}
		return 0
	}
	ms := func(at, prev *time.Time) int64 {
		if at == nil {
			return 0
		}
		return max(0, at.Sub(*prev).Milliseconds())
	}
	td := l.td != nil || l.flag
	// The previous stage with a time: the latest reached before.
	prev := &l.created
	out := []int64{1, b(td), b(l.td != nil), ms(l.td, prev)}
	if l.td != nil {
		prev = l.td
	}
	out = append(out, b(l.opp != nil), b(l.opp != nil && td), ms(l.opp, prev))
	if l.opp != nil {
		prev = l.opp
	}
	out = append(out, b(l.ord != nil), b(l.ord != nil && l.opp != nil), ms(l.ord, prev))
	if l.ord != nil {
		prev = l.ord
	}
	out = append(out, b(l.del != nil), b(l.del != nil && l.ord != nil), ms(l.del, prev), l.orders, l.revenue)
	return out
}

// checkLeadRollup compares report_lead_days and report_lead_days_all with
// a recount of the source rows.
func checkLeadRollup(t *testing.T, f *fixture, step string) {
	t.Helper()
	want := map[string][]int64{}
	wantAll := map[string][]int64{}
	add := func(m map[string][]int64, k string, c []int64) {
		if m[k] == nil {
			m[k] = make([]int64, len(c))
		}
		for i, v := range c {
			m[k][i] += v
		}
	}
	for _, l := range recountLeads(t, f) {
		day := l.created.In(shanghai).Format("2006-01-02")
		c := l.contribution()
		add(want, fmt.Sprintf("%d/%s/%s/%d", l.store, day, l.source, l.campaign), c)
		add(wantAll, fmt.Sprintf("%s/%s/%d", day, l.source, l.campaign), c)
	}
	for _, x := range []struct {
		table, key string
		want       map[string][]int64
	}{{"report_lead_days", "CAST(store_id AS TEXT) || '/' || day || '/' || source || '/' || CAST(campaign_id AS TEXT)", want},
		{"report_lead_days_all", "day || '/' || source || '/' || CAST(campaign_id AS TEXT)", wantAll}} {
		rows, err := f.d.QueryContext(f.ctx, `SELECT `+x.key+`, `+strings.Join(rollupCols, ", ")+` FROM `+x.table)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int64{}
		for rows.Next() {
			var k string
			v := make([]int64, len(rollupCols))
			dest := []any{&k}
			for i := range v {
				dest = append(dest, &v[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			zero := true
			for _, n := range v {
				zero = zero && n == 0
			}
			if !zero {
				got[k] = v
			}
		}
		rows.Close()
		if len(got) != len(x.want) {
			t.Errorf("%s: %s has %d cells, recount %d", step, x.table, len(got), len(x.want))
		}
		for k, w := range x.want {
			if g := got[k]; fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s: %s %s = %v, recount %v (%v)", step, x.table, k, g, w, rollupCols)
			}
		}
	}
}

// TestLeadRollup changes leads after they were created (test drives done,
// cancelled and deleted, opportunities and orders added, moved, cancelled,
// delivered and deleted, a lead moved to another store, day, source and
// campaign, a lead without a store, a lead deleted) and checks after each
// step that the funnel rollup of migration 00028 equals a recount of the
// source rows, and that the funnel's average days per stage equal the
// report's definition worked out in Go.
func TestLeadRollup(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		checkLeadRollup(t, f, "after the fixture")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(f.ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// Leads of the fixture with and without a done test drive and an
		// order.
		var withTD, noOpp, withOrder flead
		for _, l := range f.leads {
			switch {
			case l.td && withTD.id == 0:
				withTD = l
			case !l.opp && !l.td && !l.tdFlag && noOpp.id == 0:
				noOpp = l
			case l.order && withOrder.id == 0:
				withOrder = l
			}
		}
		if withTD.id == 0 || noOpp.id == 0 || withOrder.id == 0 {
			t.Fatal("fixture lacks leads to change")
		}
		cust := func(lead int64) int64 {
			return f.id(`SELECT customer_id FROM leads WHERE id = $1`, lead)
		}
		// An earlier done test drive, then cancelled, then the first one
		// deleted.
		early := f.id(`INSERT INTO test_drives (customer_id, lead_id, store_id, model_id, scheduled_at, status, created_at) VALUES ($1, $2, $3, $4, $5, 'done', $5) RETURNING id`,
			cust(withTD.id), withTD.id, withTD.store, f.models[0], withTD.created.Add(3*time.Hour))
		checkLeadRollup(t, f, "earlier test drive")
		exec(`UPDATE test_drives SET status = 'cancelled' WHERE id = $1`, early)
		checkLeadRollup(t, f, "earlier test drive cancelled")
		exec(`DELETE FROM test_drives WHERE lead_id = $1 AND status = 'done'`, withTD.id)
		checkLeadRollup(t, f, "done test drive deleted")
		exec(`UPDATE test_drives SET status = 'done', scheduled_at = $2 WHERE id = $1`, early, withTD.created.Add(-time.Hour))
		checkLeadRollup(t, f, "test drive done before the lead")

		// A lead without opportunity gets one, an order, a second earlier
		// order that is cancelled, a delivery; then its order is deleted.
		opp := f.id(`INSERT INTO opportunities (lead_id, customer_id, store_id, model_id, stage, created_at, updated_at) VALUES ($1, $2, $3, $4, 'intent', $5, $5) RETURNING id`,
			noOpp.id, cust(noOpp.id), noOpp.store, f.models[1], noOpp.created.Add(26*time.Hour))
		checkLeadRollup(t, f, "opportunity")
		ord := f.id(`INSERT INTO vehicle_orders (code, customer_id, opportunity_id, store_id, model_id, price_fen, discount_fen, status, ordered_at)
			VALUES ('VR1', $1, $2, $3, $4, 25000000, 500000, 'ordered', $5) RETURNING id`, cust(noOpp.id), opp, noOpp.store, f.models[1], noOpp.created.Add(50*time.Hour))
		checkLeadRollup(t, f, "order")
		// (one live order per opportunity: the second order is on a second
		// opportunity of the same lead)
		opp2 := f.id(`INSERT INTO opportunities (lead_id, customer_id, store_id, model_id, stage, created_at, updated_at) VALUES ($1, $2, $3, $4, 'intent', $5, $5) RETURNING id`,
			noOpp.id, cust(noOpp.id), noOpp.store, f.models[0], noOpp.created.Add(28*time.Hour))
		ord2 := f.id(`INSERT INTO vehicle_orders (code, customer_id, opportunity_id, store_id, model_id, price_fen, discount_fen, status, ordered_at)
			VALUES ('VR2', $1, $2, $3, $4, 21000000, 0, 'ordered', $5) RETURNING id`, cust(noOpp.id), opp2, noOpp.store, f.models[0], noOpp.created.Add(30*time.Hour))
		checkLeadRollup(t, f, "second opportunity with an earlier order")
		exec(`UPDATE vehicle_orders SET status = 'cancelled' WHERE id = $1`, ord2)
		checkLeadRollup(t, f, "second order cancelled")
		exec(`UPDATE vehicle_orders SET status = 'delivered', delivered_at = $2 WHERE id = $1`, ord, noOpp.created.Add(200*time.Hour))
		checkLeadRollup(t, f, "delivered")
		exec(`UPDATE vehicle_orders SET discount_fen = 800000 WHERE id = $1`, ord)
		checkLeadRollup(t, f, "discount changed")
		exec(`DELETE FROM vehicle_orders WHERE id = $1`, ord)
		checkLeadRollup(t, f, "delivered order deleted")
		// The opportunity of a lead with an order moves to that lead.
		exec(`UPDATE opportunities SET lead_id = $1 WHERE lead_id = $2`, noOpp.id, withOrder.id)
		checkLeadRollup(t, f, "opportunity moved to another lead")

		// Reassignment to another store, another day (across the year),
		// source and campaign; then no store at all.
		other := f.stores[(indexStore(f, withTD.store)+1)%len(f.stores)].id
		exec(`UPDATE leads SET store_id = $1 WHERE id = $2`, other, withTD.id)
		checkLeadRollup(t, f, "lead reassigned")
		exec(`UPDATE leads SET created_at = $1, source = 'event', campaign_id = $2 WHERE id = $3`, time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC), f.camps[0].id, withTD.id)
		checkLeadRollup(t, f, "lead moved to the new year and a campaign")
		exec(`UPDATE leads SET store_id = NULL, test_drive = $1 WHERE id = $2`, true, noOpp.id)
		checkLeadRollup(t, f, "lead without a store, test drive flag set")

		// A new lead, then deleted.
		lead := f.id(`INSERT INTO leads (customer_id, store_id, source, status, test_drive, created_at, updated_at) VALUES ($1, $2, 'website', 'new', $3, $4, $4) RETURNING id`,
			f.customer(), f.stores[2].id, false, time.Date(2025, 12, 15, 1, 0, 0, 0, time.UTC))
		checkLeadRollup(t, f, "new lead")
		exec(`DELETE FROM leads WHERE id = $1`, lead)
		checkLeadRollup(t, f, "lead deleted")

		// The funnel's average days per stage (December, every store) are
		// the recount's, computed as the report defines them.
		var days [5]float64
		var timed [5]int
		for _, l := range recountLeads(t, f) {
			if !inPeriod(l.created, "2025-12-01", "2025-12-31") {
				continue
			}
			prev := l.created
			for i, at := range []*time.Time{l.td, l.opp, l.ord, l.del} {
				if at == nil {
					continue
				}
				days[i+1] += max(0, at.Sub(prev).Hours()/24)
				timed[i+1]++
				prev = *at
			}
		}
		s := report.NewService(d, func() time.Time { return f.now })
		r, err := s.SalesReport(f.ctx, &identity.User{ID: 1, Role: identity.RoleAdmin}, report.Filter{Tab: "funnel", From: "2025-12-01", To: "2025-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 5; i++ {
			want := "—"
			if timed[i] > 0 {
				want = fmt.Sprintf("%.1f", days[i]/float64(timed[i]))
			}
			if got := r.Table("funnel").Rows[i][4].Text; got != want {
				t.Errorf("funnel stage %d: %s days, want %s", i, got, want)
			}
		}
	})
}

func indexStore(f *fixture, id int64) int {
	for i, s := range f.stores {
		if s.id == id {
			return i
		}
	}
	return 0
}

// band is the index of a price band (lower bounds 15, 20, 25, 30, 40 万).
func band(fen int64) int {
	i := 0
	for _, lo := range []int64{15000000, 20000000, 25000000, 30000000, 40000000} {
		if fen >= lo {
			i++
		}
	}
	return i
}

// checkMarketRollup compares report_market_days and report_market_days_all
// with a recount of leads, customers and delivered orders row by row.
func checkMarketRollup(t *testing.T, f *fixture, step string) {
	t.Helper()
	type cust struct {
		province, city string
		pt             *string
		budget         *int64
	}
	custs := map[int64]cust{}
	rows, err := f.d.QueryContext(f.ctx, `SELECT id, province, city, preferred_powertrain, budget_fen FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var c cust
		if err := rows.Scan(&id, &c.province, &c.city, &c.pt, &c.budget); err != nil {
			t.Fatal(err)
		}
		custs[id] = c
	}
	rows.Close()
	want, wantAll := map[string]int64{}, map[string]int64{}
	add := func(store int64, at time.Time, kind, key string) {
		day := at.In(shanghai).Format("2006-01-02")
		want[fmt.Sprintf("%d/%s/%s/%s", store, day, kind, key)]++
		wantAll[fmt.Sprintf("%s/%s/%s", day, kind, key)]++
	}
	rows, err = f.d.QueryContext(f.ctx, `SELECT COALESCE(store_id, 0), created_at, customer_id, COALESCE(interested_model_id, 0), budget_fen FROM leads`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var store, cid, model int64
		var at time.Time
		var budget *int64
		if err := rows.Scan(&store, &at, &cid, &model, &budget); err != nil {
			t.Fatal(err)
		}
		c := custs[cid]
		add(store, at, "lead_province", c.province)
		add(store, at, "lead_city", c.city)
		add(store, at, "lead_model", fmt.Sprint(model))
		pt := ""
		if c.pt != nil {
			pt = *c.pt
		}
		add(store, at, "lead_powertrain", pt)
		b := int64(0)
		if budget != nil {
			b = *budget
		} else if c.budget != nil {
			b = *c.budget
		}
		k := -1
		if b > 0 {
			k = band(b)
		}
		add(store, at, "lead_band", fmt.Sprint(k))
	}
	rows.Close()
	rows, err = f.d.QueryContext(f.ctx, `SELECT store_id, customer_id, model_id, price_fen - discount_fen, status, delivered_at FROM vehicle_orders`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var store, cid, model, fen int64
		var status string
		var at *time.Time
		if err := rows.Scan(&store, &cid, &model, &fen, &status, &at); err != nil {
			t.Fatal(err)
		}
		if status != "delivered" || at == nil {
			continue
		}
		c := custs[cid]
		add(store, *at, "deliv_province", c.province)
		add(store, *at, "deliv_city", c.city)
		add(store, *at, "deliv_model", fmt.Sprint(model))
		add(store, *at, "deliv_band", fmt.Sprint(band(fen)))
	}
	rows.Close()
	for _, x := range []struct {
		table, key string
		want       map[string]int64
	}{{"report_market_days", "CAST(store_id AS TEXT) || '/' || day || '/' || kind || '/' || key", want},
		{"report_market_days_all", "day || '/' || kind || '/' || key", wantAll}} {
		rows, err := f.d.QueryContext(f.ctx, `SELECT `+x.key+`, n FROM `+x.table+` WHERE n <> 0`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			got[k] = n
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(x.want) {
			for k, n := range x.want {
				if got[k] != n {
					t.Errorf("%s: %s %s = %d, recount %d", step, x.table, k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := x.want[k]; !ok {
					t.Errorf("%s: %s %s = %d, recount none", step, x.table, k, n)
				}
			}
		}
	}
}

// TestMarketRollup gives customers a province, city, powertrain and budget
// and leads a model and budget after they were created, moves a customer,
// merges a lead into another customer, delivers, reprices, cancels and
// deletes orders, and checks after each step that the market rollup of
// migration 00028 equals a recount of the source rows.
func TestMarketRollup(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		checkMarketRollup(t, f, "after the fixture")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(f.ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`UPDATE customers SET province = '浙江', city = '杭州', preferred_powertrain = 'BEV', budget_fen = 22000000 WHERE id % 3 = 0`)
		exec(`UPDATE customers SET province = '广东', city = '深圳', budget_fen = 45000000 WHERE id % 3 = 1`)
		checkMarketRollup(t, f, "customers' regions and budgets")
		exec(`UPDATE leads SET interested_model_id = $1, budget_fen = 16000000 WHERE id % 4 = 0`, f.models[0])
		exec(`UPDATE leads SET interested_model_id = $1 WHERE id % 4 = 1`, f.models[1])
		checkMarketRollup(t, f, "leads' models and budgets")
		var buyer, lead, other int64
		if err := d.QueryRowContext(f.ctx, `SELECT customer_id FROM vehicle_orders WHERE status = 'delivered' ORDER BY id LIMIT 1`).Scan(&buyer); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE customers SET province = '四川', city = '成都', preferred_powertrain = 'EREV' WHERE id = $1`, buyer)
		checkMarketRollup(t, f, "a buyer moved")
		if err := d.QueryRowContext(f.ctx, `SELECT id, customer_id FROM leads ORDER BY id LIMIT 1`).Scan(&lead, &other); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE leads SET customer_id = $1, budget_fen = NULL WHERE id = $2`, buyer, lead)
		checkMarketRollup(t, f, "a lead merged into another customer")
		exec(`UPDATE leads SET store_id = $1, created_at = $2 WHERE id = $3`, f.stores[2].id, time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), lead)
		checkMarketRollup(t, f, "a lead moved store and day")
		var ord int64
		var ordered time.Time
		if err := d.QueryRowContext(f.ctx, `SELECT id, ordered_at FROM vehicle_orders WHERE status = 'ordered' ORDER BY id LIMIT 1`).Scan(&ord, &ordered); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE vehicle_orders SET status = 'delivered', delivered_at = $1 WHERE id = $2`, ordered.Add(5*24*time.Hour+17*time.Hour), ord)
		checkMarketRollup(t, f, "an order delivered")
		exec(`UPDATE vehicle_orders SET price_fen = 41000000, store_id = $1 WHERE id = $2`, f.stores[1].id, ord)
		checkMarketRollup(t, f, "a delivered order repriced and moved")
		exec(`UPDATE vehicle_orders SET status = 'cancelled' WHERE id = $1`, ord)
		checkMarketRollup(t, f, "a delivered order cancelled")
		exec(`DELETE FROM vehicle_orders WHERE id = (SELECT MAX(id) FROM vehicle_orders WHERE status = 'delivered')`)
		checkMarketRollup(t, f, "a delivered order deleted")
		exec(`UPDATE customers SET province = '', city = '', preferred_powertrain = NULL, budget_fen = NULL WHERE id = $1`, buyer)
		checkMarketRollup(t, f, "a buyer erased")
	})
}
