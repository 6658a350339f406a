package report_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

// TestDayQueues: the admin's day summary counts each center's own and its
// stations' appointments of that local day by status (what the center's
// queue lists), after inserts, a status change, a move to another day and
// a delete; appointments at a store or at a station without a center are
// outside every center; an open center without appointments is idle, a
// closed one is left out; the sorts; only an admin may ask, and a bad date
// names the field.
func TestDayQueues(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		site := func(code, kind, name, city string, parent any, status string) int64 {
			return f.id(`INSERT INTO sites (code, kind, name, province, city, parent_id, status, created_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING id`,
				code, kind, name, city, parent, status, f.now)
		}
		pudong := site("QC1", "service_center", "浦东服务中心", "上海", nil, "open")
		station := site("QW1", "swap_station", "张江换电站", "上海", pudong, "open")
		tianhe := site("QC2", "service_center", "天河服务中心", "广州", nil, "open")
		idle := site("QC3", "service_center", "西湖服务中心", "杭州", nil, "open")
		site("QC4", "service_center", "已关闭服务中心", "杭州", nil, "closed")
		orphan := site("QW2", "swap_station", "无归属换电站", "苏州", nil, "open")
		store := f.stores[0].id

		const day = "2026-03-02"
		cust := f.customer()
		vins := 0
		book := func(site int64, date string, minute int, status booking.Status) int64 {
			// A vehicle each: a vehicle has one open appointment per kind.
			vins++
			veh := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, '2024-01-01', '2030-01-01', '2032-01-01', $4, $4) RETURNING id`, fmt.Sprintf("LNEAQ%012d", vins), cust, f.models[0], f.now)
			local, err := time.ParseInLocation("2006-01-02", date, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			at := local.Add(time.Duration(minute) * time.Minute).UTC()
			return f.id(`INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute, scheduled_at, status, created_at, updated_at)
				VALUES ($1, $2, $3, 'repair', $4, $5, $6, $7, $6, $6) RETURNING id`, cust, veh, site, date, minute, at, string(status))
		}
		// The day's first and last minute count for the day, the next
		// day's first minute does not.
		book(pudong, day, 0, booking.Booked)
		book(pudong, day, 1439, booking.Booked)
		book(pudong, "2026-03-03", 0, booking.Booked)
		confirm := book(pudong, day, 600, booking.Booked)
		book(station, day, 480, booking.Completed)
		book(station, day, 500, booking.NoShow)
		book(tianhe, day, 540, booking.Cancelled)
		book(tianhe, day, 560, booking.NoShow)
		book(tianhe, day, 580, booking.NoShow)
		moved := book(tianhe, day, 600, booking.Booked)
		gone := book(tianhe, day, 620, booking.Booked)
		book(store, day, 600, booking.Booked)
		book(orphan, day, 600, booking.Confirmed)
		// Changes after booking, as the queue's actions and a reschedule make them.
		exec := func(q string, args ...any) {
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE appointments SET status = 'confirmed' WHERE id = $1`, confirm)
		local, _ := time.ParseInLocation("2006-01-02", "2026-03-04", shanghai)
		exec(`UPDATE appointments SET slot_date = '2026-03-04', scheduled_at = $1 WHERE id = $2`, local.Add(10*time.Hour).UTC(), moved)
		exec(`DELETE FROM appointments WHERE id = $1`, gone)

		s := report.NewService(d, func() time.Time { return f.now })
		admin := &identity.User{ID: 9001, Role: identity.RoleAdmin}
		sum, err := s.DayQueues(ctx, admin, day, "")
		if err != nil {
			t.Fatal(err)
		}
		counts := func(c *report.CenterDay) string {
			out := ""
			for _, st := range booking.Statuses {
				if n := c.N(st); n > 0 {
					out += fmt.Sprintf("%s=%d ", st, n)
				}
			}
			return fmt.Sprintf("%d: %s", c.Total, out)
		}
		// Busiest first: 浦东 (3 + its station's 2) before 天河 (3).
		var got []string
		for _, c := range sum.Centers {
			got = append(got, c.Name+" "+counts(c))
		}
		want := []string{"浦东服务中心 5: booked=2 confirmed=1 completed=1 no_show=1 ", "天河服务中心 3: cancelled=1 no_show=2 "}
		if !slices.Equal(got, want) {
			t.Errorf("centers = %q, want %q", got, want)
		}
		if sum.Outside != 2 || counts(&sum.All) != "10: booked=3 confirmed=2 completed=1 cancelled=1 no_show=3 " {
			t.Errorf("outside %d, all %s", sum.Outside, counts(&sum.All))
		}
		if len(sum.Idle) != 1 || sum.Idle[0].ID != idle {
			t.Errorf("idle = %+v, want only the open center %d", sum.Idle, idle)
		}
		order := func(sort string) []int64 {
			t.Helper()
			sum, err := s.DayQueues(ctx, admin, day, sort)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range sum.Centers {
				ids = append(ids, c.ID)
			}
			return ids
		}
		for _, c := range []struct {
			sort string
			want []int64
		}{
			{"", []int64{pudong, tianhe}},
			{"no_show", []int64{tianhe, pudong}},
			{"cancelled", []int64{tianhe, pudong}},
			{"booked", []int64{pudong, tianhe}},
			{"name", []int64{pudong, tianhe}}, // 上海 (U+4E0A) before 广州 (U+5E7F), as sites.List orders cities
			{"nonsense", []int64{pudong, tianhe}},
		} {
			if got := order(c.sort); !slices.Equal(got, c.want) {
				t.Errorf("sort %q: %v, want %v", c.sort, got, c.want)
			}
		}
		if sum, err := s.DayQueues(ctx, admin, "2026-03-04", ""); err != nil || len(sum.Centers) != 1 || sum.Centers[0].ID != tianhe || sum.Centers[0].Total != 1 {
			t.Errorf("the moved appointment's day: %+v, %v", sum, err)
		}

		_, err = s.DayQueues(ctx, admin, "3月2日", "")
		apperrtest.WantField(t, err, "date")
		for _, u := range []*identity.User{{ID: 2, Role: identity.RoleService, SiteID: pudong}, {ID: 3, Role: identity.RoleSales, SiteID: store}, {ID: 4, Role: identity.RoleOwner, CustomerID: cust}} {
			_, err = s.DayQueues(ctx, u, day, "")
			apperrtest.WantCode(t, err, apperr.Forbidden)
		}
		_, err = s.DayQueues(ctx, nil, day, "")
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
	})
}
