package report_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

// TestFeedbackSiteAndCommentWords checks the two copies the service reports
// read on a written fixture, against counts made in Go from the rows as
// written and recounts in SQL: feedback.site_id (migration 00025: the work
// order's site, else the appointment's) after inserts and link changes, and
// the comment word rollup (00026) both before the word job has run (the
// report counts the marked days itself) and after it, across inserts,
// comment changes, erasures, moves to another day and deletes.
func TestFeedbackSiteAndCommentWords(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		c1 := f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C1', 'service_center', '上海服务中心', '上海', '上海', $1) RETURNING id`, f.now)
		st := f.id(`INSERT INTO sites (code, kind, name, province, city, parent_id, created_at) VALUES ('W1', 'swap_station', '上海换电站', '上海', '上海', $1, $2) RETURNING id`, c1, f.now)
		c2 := f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C2', 'service_center', '广州服务中心', '广东', '广州', $1) RETURNING id`, f.now)
		texts := []string{"等待时间太长，预约了还要排队。", "技师很专业，讲解清楚。", "换电很快，站点干净。", "充电桩故障，客服回复及时。", "价格实惠，服务热情。", ""}
		type comment struct {
			table string // work_order_ratings or feedback
			id    int64
			site  int64 // 0: none
			text  string
			at    time.Time
		}
		var cs []*comment
		type fb struct{ id, wo, ap, site int64 }
		var fbs []*fb
		start := time.Date(2025, 12, 30, 10, 0, 0, 0, time.UTC)
		type visit struct{ ap, wo int64 }
		visits := map[int64][]visit{}
		for i := range 30 {
			cust := f.customer()
			veh := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, '2024-01-01', '2030-01-01', '2032-01-01', $4, $4) RETURNING id`, fmt.Sprintf("LNEBB0000%08d", i), cust, f.models[0], f.now)
			site := []int64{c1, st, c2}[i%3]
			at := start.Add(time.Duration(i*5) * time.Hour)
			slot := at.In(shanghai)
			ap := f.id(`INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute, scheduled_at, status, created_at, updated_at, started_at, completed_at)
				VALUES ($1, $2, $3, 'repair', $4, $5, $6, 'completed', $6, $6, $6, $7) RETURNING id`, cust, veh, site, slot.Format("2006-01-02"), slot.Hour()*60+slot.Minute(), at, at.Add(time.Hour))
			wo := f.id(`INSERT INTO work_orders (code, appointment_id, site_id, vehicle_id, customer_id, status, parts_fen, labour_fen, warranty_fen, opened_at, completed_at)
				VALUES ($1, $2, $3, $4, $5, 'completed', 100, 50, 0, $6, $7) RETURNING id`, fmt.Sprintf("WOB%d", i), ap, site, veh, cust, at, at.Add(time.Hour))
			visits[site] = append(visits[site], visit{ap, wo})
			c := &comment{table: "work_order_ratings", site: site, text: texts[i%len(texts)], at: at.Add(2 * time.Hour)}
			c.id = f.id(`INSERT INTO work_order_ratings (work_order_id, customer_id, site_id, rating, comment, created_at) VALUES ($1, $2, $3, 5, $4, $5) RETURNING id`,
				wo, cust, site, c.text, c.at)
			cs = append(cs, c)
			var woArg, apArg any
			fsite := int64(0)
			switch i % 4 {
			case 0: // linked to the work order and its appointment
				woArg, apArg, fsite = wo, ap, site
			case 1: // linked to the appointment only
				apArg, fsite = ap, site
			case 2: // linked to neither (the assistant's feedback)
			case 3:
				continue
			}
			fc := &comment{table: "feedback", site: fsite, text: texts[(i+2)%len(texts)], at: at.Add(3 * time.Hour)}
			fc.id = f.id(`INSERT INTO feedback (customer_id, appointment_id, work_order_id, rating, comment, created_at) VALUES ($1, $2, $3, 4, $4, $5) RETURNING id`,
				cust, apArg, woArg, fc.text, fc.at)
			cs = append(cs, fc)
			fbs = append(fbs, &fb{fc.id, idOf(woArg), idOf(apArg), fsite})
		}
		// A work order of one center and an appointment of another: the work
		// order's site wins.
		mixed := &fb{wo: visits[c2][0].wo, ap: visits[c1][0].ap, site: c2}
		mc := &comment{table: "feedback", site: c2, text: "客服不专业，乱收费。", at: start.Add(30 * time.Hour)}
		mixed.id = f.id(`INSERT INTO feedback (customer_id, appointment_id, work_order_id, rating, comment, created_at) VALUES ($1, $2, $3, 2, $4, $5) RETURNING id`,
			f.customer(), mixed.ap, mixed.wo, mc.text, mc.at)
		mc.id = mixed.id
		cs, fbs = append(cs, mc), append(fbs, mixed)
		// A site given on insert is kept.
		given := &fb{site: c1}
		gc := &comment{table: "feedback", site: c1, text: "环境干净。", at: start.Add(40 * time.Hour)}
		given.id = f.id(`INSERT INTO feedback (customer_id, rating, comment, created_at, site_id) VALUES ($1, 5, $2, $3, $4) RETURNING id`, f.customer(), gc.text, gc.at, c1)
		gc.id = given.id
		cs, fbs = append(cs, gc), append(fbs, given)

		s := report.NewService(d, func() time.Time { return f.now })
		admin := &identity.User{ID: 9001, Role: identity.RoleAdmin}
		svc := &identity.User{ID: 77, Role: identity.RoleService, SiteID: c2}
		day := func(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }
		// want counts the comments in Go: word -> comments containing it.
		want := func(from, to string, in func(site int64) bool) map[string]int {
			var xs []string
			for _, c := range cs {
				if d := day(c.at); d >= from && d <= to && c.text != "" && in(c.site) {
					xs = append(xs, c.text)
				}
			}
			m := map[string]int{}
			for _, w := range report.TopWords(xs, 1000) {
				m[w.Word] = w.N
			}
			return m
		}
		check := func(stage string) {
			t.Helper()
			// feedback.site_id: the Go expectation and a recount by the rule.
			for _, x := range fbs {
				var got, rule int64
				if err := d.QueryRowContext(ctx, `SELECT COALESCE(site_id, 0), COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = f.work_order_id),
					(SELECT ap.site_id FROM appointments ap WHERE ap.id = f.appointment_id), site_id, 0) FROM feedback f WHERE id = $1`, x.id).Scan(&got, &rule); err != nil {
					t.Fatal(err)
				}
				if got != x.site || got != rule {
					t.Errorf("%s: feedback %d site %d, want %d (rule %d)", stage, x.id, got, x.site, rule)
				}
			}
			// The word cloud of three scopes and two periods.
			for _, c := range []struct {
				name     string
				u        *identity.User
				store    int64
				from, to string
				in       func(int64) bool
			}{
				{"admin", admin, 0, "2025-12-29", "2026-01-10", func(int64) bool { return true }},
				{"admin new year's day", admin, 0, "2026-01-01", "2026-01-01", func(int64) bool { return true }},
				{"admin C1", admin, c1, "2025-12-29", "2026-01-10", func(x int64) bool { return x == c1 || x == st }},
				{"center C2", svc, 0, "2025-12-31", "2026-01-02", func(x int64) bool { return x == c2 }},
			} {
				r, err := s.ServiceReport(ctx, c.u, report.Filter{Tab: "feedback", From: c.from, To: c.to, StoreID: c.store})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, w := range r.Words {
					got[w.Word] = w.N
				}
				if w := want(c.from, c.to, c.in); !maps.Equal(got, w) {
					t.Errorf("%s: %s words %v, want %v", stage, c.name, got, w)
				}
			}
		}
		// rollup compares report_comment_words with a recount per site and
		// day (site 0: every comment of the day).
		rollup := func(stage string) {
			t.Helper()
			if n, err := s.CountCommentWords(ctx); err != nil || n == 0 {
				t.Fatalf("%s: CountCommentWords = %d, %v", stage, n, err)
			}
			var left int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_comment_days`).Scan(&left); err != nil || left != 0 {
				t.Errorf("%s: %d days still marked (%v)", stage, left, err)
			}
			wantRows := map[string]int{}
			texts := map[string][]string{}
			for _, c := range cs {
				if c.text == "" {
					continue
				}
				texts["0 "+day(c.at)] = append(texts["0 "+day(c.at)], c.text)
				if c.site != 0 {
					k := fmt.Sprintf("%d %s", c.site, day(c.at))
					texts[k] = append(texts[k], c.text)
				}
			}
			for k, xs := range texts {
				for _, w := range report.TopWords(xs, 1000) {
					wantRows[k+" "+w.Word] = w.N
				}
			}
			rows, err := d.QueryContext(ctx, `SELECT site_id, day, word, n FROM report_comment_words`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[string]int{}
			for rows.Next() {
				var site int64
				var dd, w string
				var n int
				if err := rows.Scan(&site, &dd, &w, &n); err != nil {
					t.Fatal(err)
				}
				got[fmt.Sprintf("%d %s %s", site, dd, w)] = n
			}
			if !maps.Equal(got, wantRows) {
				keys := slices.Sorted(maps.Keys(wantRows))
				t.Errorf("%s: rollup has %d rows, want %d (e.g. %s)", stage, len(got), len(wantRows), keys[0])
			}
		}
		check("before the job")
		rollup("first run")
		check("after the job")

		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		find := func(table string, nth int) *comment {
			for _, c := range cs {
				if c.table == table && c.text != "" {
					if nth == 0 {
						return c
					}
					nth--
				}
			}
			t.Fatalf("no %s comment", table)
			return nil
		}
		// A rating's comment rewritten, another deleted.
		c := find("work_order_ratings", 0)
		c.text = "充电站排队太久，续航掉电。"
		exec(`UPDATE work_order_ratings SET comment = $1 WHERE id = $2`, c.text, c.id)
		c = find("work_order_ratings", 1)
		exec(`DELETE FROM work_order_ratings WHERE id = $1`, c.id)
		cs = slices.DeleteFunc(cs, func(x *comment) bool { return x == c })
		// A feedback comment erased, another moved a day on, another deleted.
		c = find("feedback", 0)
		c.text = ""
		exec(`UPDATE feedback SET comment = '' WHERE id = $1`, c.id)
		c = find("feedback", 1)
		c.at = c.at.Add(24 * time.Hour)
		exec(`UPDATE feedback SET created_at = $1 WHERE id = $2`, c.at, c.id)
		c = find("feedback", 2)
		exec(`DELETE FROM feedback WHERE id = $1`, c.id)
		cs = slices.DeleteFunc(cs, func(x *comment) bool { return x == c })
		fbs = slices.DeleteFunc(fbs, func(x *fb) bool { return x.id == c.id })
		// The mixed feedback loses its work order: the appointment's site.
		exec(`UPDATE feedback SET work_order_id = NULL WHERE id = $1`, mixed.id)
		mixed.site, mc.site = c1, c1
		// A new rating at the station.
		v := visits[st][1]
		nc := &comment{table: "work_order_ratings", site: st, text: "换电站干净，速度很快。", at: start.Add(50 * time.Hour)}
		var wo2 int64
		if err := d.QueryRowContext(ctx, `SELECT id FROM work_orders WHERE appointment_id = $1`, v.ap).Scan(&wo2); err != nil {
			t.Fatal(err)
		}
		exec(`DELETE FROM work_order_ratings WHERE work_order_id = $1`, wo2)
		cs = slices.DeleteFunc(cs, func(x *comment) bool {
			if x.table != "work_order_ratings" {
				return false
			}
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM work_order_ratings WHERE id = $1`, x.id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 0
		})
		nc.id = f.id(`INSERT INTO work_order_ratings (work_order_id, customer_id, site_id, rating, comment, created_at) VALUES ($1, $2, $3, 5, $4, $5) RETURNING id`,
			wo2, f.customer(), st, nc.text, nc.at)
		cs = append(cs, nc)

		check("after changes, before the job")
		rollup("second run")
		check("after changes and the job")
	})
}

// idOf is the id in a nullable argument (0 for nil).
func idOf(v any) int64 {
	if id, ok := v.(int64); ok {
		return id
	}
	return 0
}
