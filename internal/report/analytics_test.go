package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/report"
)

var shanghai = time.FixedZone("CST", 8*3600)

// fixture is a small world written row by row, with the facts kept in Go
// so that the tests can count them a different way from the reports' SQL.
type fixture struct {
	t      *testing.T
	d      *db.DB
	ctx    context.Context
	now    time.Time
	stores []fstore
	users  []fuser
	models []int64
	orders []forder
	leads  []flead
	camps  []fcamp
	n      int
}

type fstore struct {
	id       int64
	province string
}

type fuser struct {
	id, store int64
}

type forder struct {
	store, user, model int64
	amount             int64
	status             string
	ordered, delivered time.Time
}

type flead struct {
	id, store, campaign int64
	source              string
	created             time.Time
	td                  bool // a done test drive
	tdFlag              bool // only the lead's flag
	opp, order, deliv   bool
	revenue             int64 // of its delivered order
}

type fcamp struct {
	id     int64
	cost   int64
	starts time.Time
	store  int64
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.d.QueryRowContext(f.ctx, q, args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (f *fixture) customer() int64 {
	f.n++
	return f.id(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
		fmt.Sprintf("客户%d", f.n), fmt.Sprintf("139%08d", f.n), f.now.AddDate(-2, 0, 0))
}

// newFixture writes 3 stores (two in 华东, one in 华南), 4 consultants, 2
// models, 2 campaigns and random leads and orders around the new year
// 2026 in Shanghai time, plus rows exactly on the boundaries.
func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{t: t, d: d, ctx: context.Background(), now: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)}
	for i, p := range []string{"上海", "浙江", "广东"} {
		id := f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ($1, 'store', $2, $3, $3, $4) RETURNING id`,
			fmt.Sprintf("S%d", i), "门店"+p, p, f.now)
		f.stores = append(f.stores, fstore{id, p})
	}
	for i := range 4 {
		st := f.stores[i%3].id
		id := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, created_at, updated_at) VALUES ($1, $2, 'sales', 'x', $3, $4, $4) RETURNING id`,
			fmt.Sprintf("s%d", i), fmt.Sprintf("顾问%d", i), st, f.now)
		f.users = append(f.users, fuser{id, st})
	}
	for i := range 2 {
		f.models = append(f.models, f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ($1, '启程', $2, 'BEV', 80, 600, 25000000) RETURNING id`,
			fmt.Sprintf("M%d", i), fmt.Sprintf("车型%d", i)))
	}
	for i, c := range []struct {
		cost   int64
		starts time.Time
		store  int64
	}{{500000, time.Date(2025, 12, 10, 2, 0, 0, 0, time.UTC), 0}, {300000, time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), f.stores[0].id}} {
		var store any
		if c.store != 0 {
			store = c.store
		}
		id := f.id(`INSERT INTO campaigns (name, kind, channel, store_id, starts_at, ends_at, cost_fen, status, created_at) VALUES ($1, 'launch', 'offline', $2, $3, $4, $5, 'ended', $3) RETURNING id`,
			fmt.Sprintf("活动%d", i), store, c.starts, c.starts.Add(48*time.Hour), c.cost)
		f.camps = append(f.camps, fcamp{id, c.cost, c.starts, c.store})
	}
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	span := int64(80 * 24 * time.Hour)
	at := func() time.Time { return start.Add(time.Duration(rng.Int64N(span))).Truncate(time.Minute) }
	// Boundary times: the first and last minute of December 2025 in Shanghai,
	// and the first minute of 2026.
	edges := []time.Time{time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC), time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)}
	sources := []string{"walk_in", "website", "event", "referral"}
	for i := range 160 {
		created := at()
		if i < len(edges) {
			created = edges[i]
		}
		u := f.users[rng.IntN(len(f.users))]
		l := flead{store: u.store, source: sources[rng.IntN(len(sources))], created: created}
		if l.source == "event" {
			l.campaign = f.camps[rng.IntN(2)].id
		}
		cust := f.customer()
		var camp any
		if l.campaign != 0 {
			camp = l.campaign
		}
		l.tdFlag = rng.IntN(5) == 0
		l.id = f.id(`INSERT INTO leads (customer_id, store_id, sales_user_id, campaign_id, source, status, test_drive, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'new', $6, $7, $7) RETURNING id`, cust, l.store, u.id, camp, l.source, l.tdFlag, l.created)
		if rng.IntN(3) == 0 {
			l.td = true
			f.id(`INSERT INTO test_drives (customer_id, lead_id, store_id, model_id, scheduled_at, status, created_at) VALUES ($1, $2, $3, $4, $5, 'done', $5) RETURNING id`,
				cust, l.id, l.store, f.models[0], l.created.Add(48*time.Hour))
		} else if rng.IntN(4) == 0 {
			f.id(`INSERT INTO test_drives (customer_id, lead_id, store_id, model_id, scheduled_at, status, created_at) VALUES ($1, $2, $3, $4, $5, 'cancelled', $5) RETURNING id`,
				cust, l.id, l.store, f.models[0], l.created.Add(48*time.Hour))
		}
		if rng.IntN(2) == 0 {
			l.opp = true
			opp := f.id(`INSERT INTO opportunities (lead_id, customer_id, store_id, sales_user_id, model_id, stage, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'intent', $6, $6) RETURNING id`,
				l.id, cust, l.store, u.id, f.models[1], l.created.Add(time.Hour))
			if rng.IntN(2) == 0 {
				o := forder{store: l.store, user: u.id, model: f.models[rng.IntN(2)], amount: 20000000 + rng.Int64N(100)*100000, status: "ordered"}
				o.ordered = l.created.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
				if i < len(edges) {
					o.ordered = edges[i]
				}
				switch rng.IntN(4) {
				case 0:
					o.status = "cancelled"
				case 1, 2:
					o.status = "delivered"
					o.delivered = o.ordered.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
				}
				var deliv any
				if o.status == "delivered" {
					deliv = o.delivered
					l.deliv, l.revenue = true, o.amount
				}
				l.order = o.status != "cancelled"
				f.id(`INSERT INTO vehicle_orders (code, customer_id, opportunity_id, store_id, sales_user_id, model_id, price_fen, discount_fen, status, ordered_at, delivered_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, 100000, $8, $9, $10) RETURNING id`, fmt.Sprintf("VO%d", i), cust, opp, o.store, o.user, o.model,
					o.amount+100000, o.status, o.ordered, deliv)
				f.orders = append(f.orders, o)
			}
		}
		f.leads = append(f.leads, l)
	}
	// Orders without a lead (walk-in sales recorded directly), one with no
	// consultant.
	for i := range 40 {
		u := f.users[rng.IntN(len(f.users))]
		o := forder{store: u.store, user: u.id, model: f.models[rng.IntN(2)], amount: 30000000, status: "delivered", ordered: at()}
		if i == 0 {
			o.user = 0
		}
		o.delivered = o.ordered.Add(time.Duration(rng.IntN(10*24)) * time.Hour)
		var user any
		if o.user != 0 {
			user = o.user
		}
		f.id(`INSERT INTO vehicle_orders (code, customer_id, store_id, sales_user_id, model_id, price_fen, discount_fen, status, ordered_at, delivered_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9) RETURNING id`, fmt.Sprintf("VX%d", i), f.customer(), o.store, user, o.model, o.amount, o.status, o.ordered, o.delivered)
		f.orders = append(f.orders, o)
	}
	return f
}

// inPeriod reports whether t falls on a local date from..to (both included).
func inPeriod(t time.Time, from, to string) bool {
	if t.IsZero() {
		return false
	}
	d := t.In(shanghai).Format("2006-01-02")
	return d >= from && d <= to
}

// cells returns a report table as label -> column texts.
func cells(t *testing.T, tb *report.Table) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if tb == nil {
		t.Fatal("table missing")
	}
	for _, r := range tb.Rows {
		var row []string
		for _, c := range r {
			row = append(row, c.Text)
		}
		out[r[0].Text] = row
	}
	return out
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func yuan(fen int64) string {
	return "¥" + thousands(int(fen/100)) + fmt.Sprintf(".%02d", fen%100)
}

func TestSalesReports(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := report.NewService(d, func() time.Time { return f.now })
		admin := &identity.User{Role: identity.RoleAdmin}
		admin.ID = f.id(`INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at) VALUES ('boss', '管理员', 'admin', 'x', $1, $1) RETURNING id`, f.now)
		ctx := f.ctx

		// expect counts orders, deliveries and revenue per key in the period.
		type perf struct {
			orders, deliv int
			rev           int64
		}
		expect := func(from, to string, key func(o forder, at time.Time) string, keep func(o forder) bool) map[string]*perf {
			m := map[string]*perf{}
			get := func(k string) *perf {
				if m[k] == nil {
					m[k] = &perf{}
				}
				return m[k]
			}
			for _, o := range f.orders {
				if !keep(o) {
					continue
				}
				if o.status != "cancelled" && inPeriod(o.ordered, from, to) {
					get(key(o, o.ordered)).orders++
				}
				if o.status == "delivered" && inPeriod(o.delivered, from, to) {
					p := get(key(o, o.delivered))
					p.deliv++
					p.rev += o.amount
				}
			}
			return m
		}
		all := func(forder) bool { return true }
		check := func(name string, got map[string][]string, want map[string]*perf, label func(k string) string) {
			t.Helper()
			n := 0
			for k, p := range want {
				if p.orders == 0 && p.deliv == 0 {
					continue
				}
				n++
				row := got[label(k)]
				if row == nil || row[1] != thousands(p.orders) || row[2] != thousands(p.deliv) || row[3] != yuan(p.rev) {
					t.Errorf("%s %s: got %v, want orders %d deliveries %d revenue %s", name, label(k), row, p.orders, p.deliv, yuan(p.rev))
				}
			}
			if n == 0 {
				t.Fatalf("%s: the fixture has nothing in the period", name)
			}
		}

		// December 2025: the period ends at the year boundary in Shanghai.
		from, to := "2025-12-01", "2025-12-31"
		storeName := map[string]string{}
		for _, st := range f.stores {
			storeName[strconv.FormatInt(st.id, 10)] = "门店" + st.province
		}
		// By store and consultant over December, and over periods whose
		// partial months are read as days added or as the month's rollup
		// less days (scope.plan): the ends of November, December and
		// January around the year boundary, and inside December.
		for _, p := range [][2]string{{from, to}, {"2025-11-25", "2026-01-08"}, {"2025-12-03", "2026-01-20"}, {"2025-12-10", "2025-12-20"}} {
			r, err := s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: p[0], To: p[1], By: "store"})
			if err != nil {
				t.Fatal(err)
			}
			check("by store "+p[0]+".."+p[1], cells(t, r.Table("performance")), expect(p[0], p[1], func(o forder, _ time.Time) string { return strconv.FormatInt(o.store, 10) }, all),
				func(k string) string { return storeName[k] })
			r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: p[0], To: p[1], By: "consultant"})
			if err != nil {
				t.Fatal(err)
			}
			check("by consultant "+p[0]+".."+p[1], cells(t, r.Table("performance")), expect(p[0], p[1], func(o forder, _ time.Time) string { return strconv.FormatInt(o.user, 10) }, all),
				func(k string) string {
					if k == "0" {
						return "未分配顾问"
					}
					for i, u := range f.users {
						if strconv.FormatInt(u.id, 10) == k {
							return fmt.Sprintf("顾问%d", i)
						}
					}
					return k
				})
		}

		// By month over November to February: every month of the period is a row.
		r, err := s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: "2025-11-15", To: "2026-02-10", By: "month"})
		if err != nil {
			t.Fatal(err)
		}
		months := cells(t, r.Table("performance"))
		if len(months) != 4 {
			t.Errorf("by month: %d rows, want 4 (2025-11 to 2026-02)", len(months))
		}
		check("by month", months, expect("2025-11-15", "2026-02-10", func(_ forder, at time.Time) string { return at.In(shanghai).Format("2006-01") }, all),
			func(k string) string { return k })

		// By region, and an admin narrowed to 华东.
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: from, To: to, By: "region"})
		if err != nil {
			t.Fatal(err)
		}
		region := func(o forder, _ time.Time) string {
			for _, st := range f.stores {
				if st.id == o.store && st.province == "广东" {
					return "华南"
				}
			}
			return "华东"
		}
		check("by region", cells(t, r.Table("performance")), expect(from, to, region, all), func(k string) string { return k })
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: from, To: to, By: "store", Region: "华东"})
		if err != nil {
			t.Fatal(err)
		}
		east := cells(t, r.Table("performance"))
		if _, ok := east["门店广东"]; ok || len(east) != 2 {
			t.Errorf("华东 filter: rows %v, want the two stores of 华东", east)
		}

		// A consultant sees their store only, whatever store_id asks.
		consultant := &identity.User{ID: f.users[1].id, Role: identity.RoleSales, SiteID: f.users[1].store}
		r, err = s.SalesReport(ctx, consultant, report.Filter{Tab: "performance", From: from, To: to, By: "store", StoreID: f.stores[2].id})
		if err != nil {
			t.Fatal(err)
		}
		own := cells(t, r.Table("performance"))
		if len(own) != 1 || own[storeName[strconv.FormatInt(f.users[1].store, 10)]] == nil {
			t.Errorf("consultant sees %v, want only their store", own)
		}

		// An empty period: no rows, zero tiles.
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: "2027-01-01", To: "2027-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Table("performance").Rows) != 0 || r.Tiles[0].Text != "0" {
			t.Errorf("empty period: %d rows, tiles %+v", len(r.Table("performance").Rows), r.Tiles)
		}

		// Funnel: leads created in December, counted in Go.
		var want [5]int
		for _, l := range f.leads {
			if !inPeriod(l.created, from, to) {
				continue
			}
			for i, ok := range []bool{true, l.td || l.tdFlag, l.opp, l.order, l.deliv} {
				if ok {
					want[i]++
				}
			}
		}
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "funnel", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		fun := r.Table("funnel")
		for i, stage := range []string{"线索", "试驾", "商机", "订单", "交付"} {
			if got := fun.Rows[i][1].Text; got != thousands(want[i]) || fun.Rows[i][0].Text != stage {
				t.Errorf("funnel %s: %s, want %d", stage, got, want[i])
			}
		}
		if want[0] == 0 || want[3] == 0 {
			t.Fatalf("fixture funnel is empty: %v", want)
		}
		// The drill-down behind a stage lists as many leads.
		for i, stage := range []string{"lead", "test_drive", "opportunity", "order", "delivered"} {
			dr, err := s.Rows(ctx, admin, report.RowsFilter{Filter: report.Filter{From: from, To: to}, Set: "leads", Stage: stage, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			if dr.Total.N != want[i] || len(dr.Table.Rows) != want[i] {
				t.Errorf("drill %s: %d rows (count %d), want %d", stage, len(dr.Table.Rows), dr.Total.N, want[i])
			}
		}
		// Drill-down of the deliveries figure: as many rows as the tile.
		r, _ = s.SalesReport(ctx, admin, report.Filter{Tab: "performance", From: from, To: to})
		dr, err := s.Rows(ctx, admin, report.RowsFilter{Filter: report.Filter{From: from, To: to}, Set: "deliveries", Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if thousands(dr.Total.N) != r.Tiles[1].Text {
			t.Errorf("deliveries drill-down %d rows, tile %s", dr.Total.N, r.Tiles[1].Text)
		}
		// Its export holds the same rows, every one of them, across keyset
		// batches of 3 rows.
		defer report.SetExportBatch(3)()
		ex, err := s.DrillExport(ctx, admin, report.FamilySales, url.Values{"set": {"deliveries"}, "from": {from}, "to": {to}, "cursor": {"x"}}, true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := ex.Write(ctx, listing.NewCSVWriter(&buf))
		if err != nil || n <= 3 || n != dr.Total.N || ex.Total.N != n || strings.Count(buf.String(), "\n") != n+1 {
			t.Errorf("deliveries export: %d rows (%v), count %d, want %d", n, err, ex.Total.N, dr.Total.N)
		}
		// Paging: two pages of 5 hold the first ten rows, no repeats.
		p1, err := s.Rows(ctx, admin, report.RowsFilter{Filter: report.Filter{From: from, To: to}, Set: "orders", Limit: 5})
		if err != nil || p1.Next == "" {
			t.Fatalf("page 1: %v, next %q", err, p1.Next)
		}
		p2, err := s.Rows(ctx, admin, report.RowsFilter{Filter: report.Filter{From: from, To: to}, Set: "orders", Limit: 5, Cursor: p1.Next})
		if err != nil || len(p2.Table.Rows) == 0 || p2.Table.Rows[0][0].Text == p1.Table.Rows[4][0].Text {
			t.Fatalf("page 2: %v", err)
		}

		// Lead sources: leads per source and the allocated campaign cost.
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "sources", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		src := cells(t, r.Table("sources"))
		labels := map[string]string{"walk_in": "到店", "website": "官网", "event": "活动", "referral": "转介绍"}
		perSource := map[string]int{}
		campLeads := map[int64]int{}
		campInPeriod := map[int64]int{}
		for _, l := range f.leads {
			if l.campaign != 0 {
				campLeads[l.campaign]++
			}
			if inPeriod(l.created, from, to) {
				perSource[l.source]++
				if l.campaign != 0 {
					campInPeriod[l.campaign]++
				}
			}
		}
		for code, n := range perSource {
			if row := src[labels[code]]; row == nil || row[1] != thousands(n) {
				t.Errorf("source %s: %v, want %d leads", code, row, n)
			}
		}
		var cost float64
		for _, c := range f.camps {
			if campLeads[c.id] > 0 {
				cost += float64(c.cost) * float64(campInPeriod[c.id]) / float64(campLeads[c.id])
			}
		}
		if row := src["活动"]; row == nil || row[6] != yuan(int64(cost+0.5)) {
			t.Errorf("event source cost: %v, want %s", row, yuan(int64(cost+0.5)))
		}

		// Campaign ROI: both campaigns start in December (one at its first
		// local minute); the store's own campaign is hidden from another store.
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "campaigns", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		camps := cells(t, r.Table("campaigns"))
		for i, c := range f.camps {
			var leads, orders int
			var rev int64
			for _, l := range f.leads {
				if l.campaign == c.id {
					leads++
					if l.order {
						orders++
					}
					rev += l.revenue
				}
			}
			row := camps[fmt.Sprintf("活动%d", i)]
			if row == nil || row[1] != thousands(leads) || row[2] != thousands(orders) || row[3] != yuan(rev) || row[4] != yuan(c.cost) {
				t.Errorf("campaign %d: %v, want leads %d orders %d revenue %s cost %s", i, row, leads, orders, yuan(rev), yuan(c.cost))
			}
		}
		other := &identity.User{ID: f.users[1].id, Role: identity.RoleSales, SiteID: f.stores[1].id}
		r, err = s.SalesReport(ctx, other, report.Filter{Tab: "campaigns", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if c := cells(t, r.Table("campaigns")); len(c) != 1 || c["活动0"] == nil {
			t.Errorf("another store sees campaigns %v, want only the national one", c)
		}

		// Targets: an admin sets December for the first store and one of its
		// consultants; the report sets them against December's figures.
		st := f.stores[0].id
		var cons int64
		for _, u := range f.users {
			if u.store == st {
				cons = u.id
			}
		}
		if err := s.SetTargets(ctx, admin, "2025-12", st, []report.TargetInput{{UserID: 0, Orders: "10", Deliveries: "8", Revenue: "2,000,000"},
			{UserID: cons, Orders: "4"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTargets(ctx, admin, "2025-12", st, []report.TargetInput{{UserID: 0, Orders: "-1"}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("negative target: %v, want Invalid", err)
		}
		if err := s.SetTargets(ctx, consultant, "2025-12", st, nil); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("consultant sets targets: %v, want Forbidden", err)
		}
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "targets", From: "2025-12-15", To: "2025-12-20"})
		if err != nil {
			t.Fatal(err)
		}
		dec := expect("2025-12-01", "2025-12-31", func(o forder, _ time.Time) string { return strconv.FormatInt(o.store, 10) }, all)[strconv.FormatInt(st, 10)]
		tg := r.Table("targets")
		if len(tg.Rows) != 1 || tg.Rows[0][2].Text != "10" || tg.Rows[0][3].Text != thousands(dec.orders) || tg.Rows[0][6].Text != thousands(dec.deliv) ||
			tg.Rows[0][9].Text != yuan(dec.rev) || tg.Rows[0][8].Text != yuan(200000000) {
			t.Errorf("targets row %v, want target 10 and December's whole-month figures %+v", tg.Rows, dec)
		}
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "targets", By: "consultant", From: "2025-12-01", To: "2025-12-31"})
		if err != nil || len(r.Table("targets").Rows) != 1 {
			t.Fatalf("consultant targets: %v %v", err, r)
		}

		// The counters the triggers keep match a count of the rows after
		// updates and a delete.
		if _, err := d.ExecContext(ctx, `UPDATE customers SET stage = 'ordered', store_id = $1 WHERE id IN (SELECT customer_id FROM leads WHERE source = 'website')`, st); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE leads SET status = 'lost', store_id = NULL WHERE source = 'walk_in'`); err != nil {
			t.Fatal(err)
		}
		var lastLead int64
		if err := d.QueryRowContext(ctx, `SELECT MAX(l.id) FROM leads l WHERE NOT EXISTS (SELECT 1 FROM test_drives td WHERE td.lead_id = l.id) AND NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.lead_id = l.id)`).Scan(&lastLead); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM leads WHERE id = $1`, lastLead); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM (SELECT COALESCE(store_id, 0) AS s, stage, COUNT(*) AS n FROM customers GROUP BY COALESCE(store_id, 0), stage) x
				FULL OUTER JOIN report_customer_stages r ON r.store_id = x.s AND r.stage = x.stage WHERE COALESCE(x.n, 0) <> COALESCE(r.n, 0)`,
			`SELECT COUNT(*) FROM (SELECT COALESCE(store_id, 0) AS s, status, COUNT(*) AS n FROM leads GROUP BY COALESCE(store_id, 0), status) x
				FULL OUTER JOIN report_lead_statuses r ON r.store_id = x.s AND r.status = x.status WHERE COALESCE(x.n, 0) <> COALESCE(r.n, 0)`,
		} {
			var bad int
			if err := d.QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
				t.Errorf("counters disagree with the rows in %d groups (%v): %s", bad, err, q)
			}
		}

		// Mistakes and other roles.
		for _, bad := range []report.Filter{{From: "2026-13-01"}, {From: "2026-02-01", To: "2026-01-01"}, {From: "2023-01-01", To: "2026-01-01"}, {Region: "火星"}, {Tab: "x"}} {
			if _, err := s.SalesReport(ctx, admin, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%+v: %v, want Invalid", bad, err)
			}
		}
		for _, u := range []*identity.User{{ID: 1, Role: identity.RoleOwner, CustomerID: 1}, {ID: 2, Role: identity.RoleService, SiteID: f.stores[0].id}, {ID: 3, Role: identity.RoleSales}} {
			if _, err := s.SalesReport(ctx, u, report.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s: %v, want Forbidden", u.Role, err)
			}
		}
	})
}
