package report_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

func TestSegment(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"等待时间太长，预约了还要排队。", []string{"等待时间", "太长", "预约", "排队"}},
		{"换电很快，换电站干净", []string{"换电", "很快", "换电站", "干净"}},
		{"abc 你好", nil},
	} {
		if got := report.Segment(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Segment(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	top := report.TopWords([]string{"排队排队太久", "排队", "很快"}, 2)
	if len(top) != 2 || top[0].Word != "排队" || top[0].N != 2 || top[1].N != 1 {
		t.Errorf("TopWords = %+v, want 排队 in 2 comments first", top)
	}
}

// TestServiceReports checks the feedback, service and energy figures of a
// written fixture (a center with a station under it, another center in
// another region) against counts made in Go.
func TestServiceReports(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		center := f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C1', 'service_center', '上海服务中心', '上海', '上海', $1) RETURNING id`, f.now)
		station := f.id(`INSERT INTO sites (code, kind, name, province, city, parent_id, created_at) VALUES ('W1', 'swap_station', '上海换电站', '上海', '上海', $1, $2) RETURNING id`, center, f.now)
		other := f.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('C2', 'service_center', '广州服务中心', '广东', '广州', $1) RETURNING id`, f.now)
		if _, err := d.ExecContext(ctx, `INSERT INTO site_capacity (site_id, service_kind, places_per_slot) VALUES ($1, 'repair', 2)`, center); err != nil {
			t.Fatal(err)
		}
		model := f.models[0]
		rng := rand.New(rand.NewPCG(3, 5))
		type rating struct {
			site    int64
			stars   int
			comment string
			at      time.Time
		}
		var ratings []rating
		comments := []string{"等待时间太长，预约了还要排队。", "技师很专业，讲解清楚。", "换电很快，站点干净。", ""}
		type appt struct {
			site           int64
			kind, status   string
			at             time.Time
			started, onTim bool
		}
		var appts []appt
		type swap struct {
			site int64
			at   time.Time
		}
		var swaps []swap
		start := time.Date(2025, 11, 25, 0, 0, 0, 0, time.UTC)
		for i := range 60 {
			cust := f.customer()
			veh := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, '2024-01-01', '2030-01-01', '2032-01-01', $4, $4) RETURNING id`, fmt.Sprintf("LNEAA0000%08d", i), cust, model, f.now)
			site := center
			if i%3 == 0 {
				site = other
			}
			at := start.Add(time.Duration(rng.IntN(40*24*60)) * time.Minute)
			if i == 0 {
				at = time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC) // 2026-01-01 00:00 in Shanghai
			}
			status := []string{"completed", "completed", "no_show", "cancelled"}[rng.IntN(4)]
			a := appt{site: site, kind: "repair", status: status, at: at}
			var started, completed any
			if status == "completed" {
				late := time.Duration(rng.IntN(30)) * time.Minute
				started, completed = at.Add(late), at.Add(late+time.Hour)
				a.started, a.onTim = true, late <= 15*time.Minute
			}
			slot := at.In(shanghai)
			apID := f.id(`INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute, scheduled_at, status, created_at, updated_at, started_at, completed_at)
				VALUES ($1, $2, $3, 'repair', $4, $5, $6, $7, $6, $6, $8, $9) RETURNING id`, cust, veh, site, slot.Format("2006-01-02"), slot.Hour()*60+slot.Minute(), at, status, started, completed)
			appts = append(appts, a)
			if status == "completed" {
				wo := f.id(`INSERT INTO work_orders (code, appointment_id, site_id, vehicle_id, customer_id, status, parts_fen, labour_fen, warranty_fen, opened_at, completed_at)
					VALUES ($1, $2, $3, $4, $5, 'completed', 10000, 5000, 3000, $6, $7) RETURNING id`, fmt.Sprintf("WO%d", i), apID, site, veh, cust, at, completed)
				r := rating{site: site, stars: 1 + rng.IntN(5), comment: comments[rng.IntN(len(comments))], at: at.Add(2 * time.Hour)}
				if i == 0 {
					r.at = time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC) // the last minute of 2025 in Shanghai
				}
				f.id(`INSERT INTO work_order_ratings (work_order_id, customer_id, site_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
					wo, cust, site, r.stars, r.comment, r.at)
				ratings = append(ratings, r)
			}
			if i%2 == 0 {
				s := swap{site: station, at: at.Add(time.Hour)}
				f.id(`INSERT INTO battery_swaps (vehicle_id, customer_id, site_id, swapped_at, battery_out_sn, battery_in_sn, soc_out, soc_in, duration_sec, cost_fen)
					VALUES ($1, $2, $3, $4, 'A', 'B', 10, 95, 180, 5000) RETURNING id`, veh, cust, s.site, s.at)
				swaps = append(swaps, s)
			}
		}
		s := report.NewService(d, func() time.Time { return f.now })
		admin := &identity.User{ID: 9001, Role: identity.RoleAdmin}
		from, to := "2025-12-01", "2025-12-31"

		// Ratings of the center (its station has none) in December.
		var want [5]int
		for _, r := range ratings {
			if r.site == center && inPeriod(r.at, from, to) {
				want[r.stars-1]++
			}
		}
		n := want[0] + want[1] + want[2] + want[3] + want[4]
		if n == 0 {
			t.Fatal("fixture has no December ratings at the center")
		}
		svc := &identity.User{ID: 77, Role: identity.RoleService, SiteID: center}
		r, err := s.ServiceReport(ctx, svc, report.Filter{Tab: "feedback", From: from, To: to, StoreID: other})
		if err != nil {
			t.Fatal(err)
		}
		csat := fmt.Sprintf("%.1f%%", float64(want[3]+want[4])*100/float64(n))
		nps := fmt.Sprintf("%.1f", float64(want[4]-want[0]-want[1]-want[2])*100/float64(n))
		if r.Tiles[0].Text != strconv.Itoa(n) || r.Tiles[2].Text != csat || r.Tiles[3].Text != nps {
			t.Errorf("center tiles %+v, want %d ratings, CSAT %s, NPS %s", r.Tiles, n, csat, nps)
		}
		// The drill-down of the ratings lists them.
		dr, err := s.ServiceRows(ctx, svc, report.ServiceRowsFilter{Filter: report.Filter{From: from, To: to}, Set: "ratings", Limit: 200})
		if err != nil || dr.Total.N != n {
			t.Fatalf("ratings drill-down: %v, %d rows, want %d", err, dr.Total.N, n)
		}
		// A word of the comments: the word cloud's count and the rows behind
		// it (ratings and feedback in one list, paged two at a time) are
		// the center's December comments that contain it.
		clean := 0
		for _, rt := range ratings {
			if rt.site == center && inPeriod(rt.at, from, to) && strings.Contains(rt.comment, "干净") {
				clean++
			}
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "feedback", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		cloud := -1
		for _, w := range r.Words {
			if w.Word == "干净" {
				cloud = w.N
				if !strings.Contains(w.Link, "set=comments") {
					t.Errorf("word link %s", w.Link)
				}
			}
		}
		if clean == 0 || cloud != clean {
			t.Errorf("word 干净: cloud %d, want %d", cloud, clean)
		}
		listed, cursor := 0, ""
		for page := 0; ; page++ {
			dr, err := s.ServiceRows(ctx, svc, report.ServiceRowsFilter{Filter: report.Filter{From: from, To: to}, Set: "comments", Query: "干净", Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if dr.Total.N != clean {
				t.Fatalf("comments drill-down counts %d, want %d", dr.Total.N, clean)
			}
			for _, row := range dr.Table.Rows {
				if !strings.Contains(row[3].Text, "干净") {
					t.Errorf("row without the word: %v", row)
				}
				listed++
			}
			if cursor = dr.Next; cursor == "" || page > clean {
				break
			}
		}
		if listed != clean {
			t.Errorf("comments pages hold %d rows, want %d", listed, clean)
		}
		// Admin: per-center rows sum to the total.
		r, err = s.ServiceReport(ctx, admin, report.Filter{Tab: "feedback", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		all := 0
		for _, rt := range ratings {
			if inPeriod(rt.at, from, to) {
				all++
			}
		}
		if r.Tiles[0].Text != strconv.Itoa(all) || len(r.Table("centers").Rows) != 2 {
			t.Errorf("admin ratings %s over %d centers, want %d over 2", r.Tiles[0].Text, len(r.Table("centers").Rows), all)
		}
		// Month trend: December holds the boundary rating, January does not.
		r, err = s.ServiceReport(ctx, admin, report.Filter{Tab: "feedback", From: "2025-12-01", To: "2026-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		jan := 0
		for _, rt := range ratings {
			if inPeriod(rt.at, "2026-01-01", "2026-01-31") {
				jan++
			}
		}
		trend := cells(t, r.Table("satisfaction_trend"))
		if trend["2025-12"][1] != strconv.Itoa(all) || trend["2026-01"][1] != strconv.Itoa(jan) {
			t.Errorf("trend %v, want December %d, January %d", trend, all, jan)
		}

		// Service KPIs of the center in December: appointments, no-shows,
		// on-time starts.
		var appN, noShow, started, onTime int
		for _, a := range appts {
			if a.site == center && inPeriod(a.at, from, to) {
				appN++
				if a.status == "no_show" {
					noShow++
				}
				if a.started {
					started++
					if a.onTim {
						onTime++
					}
				}
			}
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "service", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		pct := func(a, b int) string {
			if b == 0 {
				return "—"
			}
			return fmt.Sprintf("%.1f%%", float64(a)*100/float64(b))
		}
		if r.Tiles[0].Text != strconv.Itoa(appN) || r.Tiles[1].Text != pct(noShow, appN) || r.Tiles[2].Text != pct(onTime, started) || appN == 0 {
			t.Errorf("service tiles %+v, want %d appointments, no-show %s, on time %s", r.Tiles, appN, pct(noShow, appN), pct(onTime, started))
		}
		// The rollup follows a status change: a completed December
		// appointment of the center becomes a no-show.
		var changed int64
		if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM appointments WHERE site_id = $1 AND status = 'completed' AND scheduled_at >= $2 AND scheduled_at < $3`,
			center, time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)).Scan(&changed); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE appointments SET status = 'no_show', started_at = NULL, completed_at = NULL WHERE id = $1`, changed); err != nil {
			t.Fatal(err)
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "service", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if r.Tiles[0].Text != strconv.Itoa(appN) || r.Tiles[1].Text != pct(noShow+1, appN) {
			t.Errorf("after a no-show: %+v, want %d appointments, no-show %s", r.Tiles, appN, pct(noShow+1, appN))
		}
		// Energy: the center sees its station's swaps.
		sw := 0
		for _, x := range swaps {
			if inPeriod(x.at, from, to) {
				sw++
			}
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "energy", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if r.Tiles[2].Text != strconv.Itoa(sw) || sw == 0 {
			t.Errorf("swaps %s, want %d", r.Tiles[2].Text, sw)
		}
		// The rollup follows changes: a December swap moved to November, one
		// deleted, a fast charge at the station at 10:30 Shanghai time.
		var moved, gone, veh, cust int64
		if err := d.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM battery_swaps WHERE swapped_at >= $1 AND swapped_at < $2`,
			time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)).Scan(&moved, &gone); err != nil || moved == gone {
			t.Fatalf("two December swaps: %v (%d, %d)", err, moved, gone)
		}
		if err := d.QueryRowContext(ctx, `SELECT vehicle_id, customer_id FROM battery_swaps WHERE id = $1`, gone).Scan(&veh, &cust); err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE battery_swaps SET swapped_at = $1 WHERE id = $2`, []any{time.Date(2025, 11, 20, 2, 0, 0, 0, time.UTC), moved}},
			{`DELETE FROM battery_swaps WHERE id = $1`, []any{gone}},
			{`INSERT INTO charging_sessions (vehicle_id, customer_id, site_id, fast, started_at, ended_at, energy_kwh, start_soc, end_soc, cost_fen)
				VALUES ($1, $2, $3, TRUE, $4, $5, 40.5, 20, 80, 3000)`, []any{veh, cust, station, time.Date(2025, 12, 10, 2, 30, 0, 0, time.UTC), time.Date(2025, 12, 10, 3, 0, 0, 0, time.UTC)}},
		} {
			if _, err := d.ExecContext(ctx, q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "energy", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if r.Tiles[0].Text != "1" || r.Tiles[1].Text != "40.5" || r.Tiles[2].Text != strconv.Itoa(sw-2) || r.Tiles[3].Text != "10:00–11:00" {
			t.Errorf("energy after changes: %+v, want 1 charge of 40.5 kWh at 10:00, %d swaps", r.Tiles, sw-2)
		}
		r, err = s.ServiceReport(ctx, svc, report.Filter{Tab: "energy", From: "2025-11-01", To: "2025-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		nov := 1
		for _, x := range swaps {
			if inPeriod(x.at, "2025-11-01", "2025-11-30") {
				nov++
			}
		}
		if r.Tiles[2].Text != strconv.Itoa(nov) {
			t.Errorf("November swaps %s, want %d with the moved one", r.Tiles[2].Text, nov)
		}
		// An empty period.
		r, err = s.ServiceReport(ctx, admin, report.Filter{Tab: "feedback", From: "2027-01-01", To: "2027-01-31"})
		if err != nil || r.Tiles[0].Text != "0" || len(r.Table("centers").Rows) != 0 || len(r.Words) != 0 {
			t.Errorf("empty period: %v %+v", err, r)
		}
		// Market: deliveries in December counted in Go.
		dl := 0
		for _, o := range f.orders {
			if o.status == "delivered" && inPeriod(o.delivered, from, to) {
				dl++
			}
		}
		r, err = s.SalesReport(ctx, admin, report.Filter{Tab: "market", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if r.Tiles[0].Text != strconv.Itoa(dl) {
			t.Errorf("market deliveries %s, want %d", r.Tiles[0].Text, dl)
		}
		sum := 0
		for _, row := range r.Table("models").Rows {
			v, _ := strconv.Atoi(row[1].Text)
			sum += v
		}
		if sum != dl {
			t.Errorf("model rows sum to %d deliveries, want %d", sum, dl)
		}
	})
}
