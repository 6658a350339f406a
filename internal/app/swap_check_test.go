package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// TestSwapCapacityCheckOnLiveData: `nevcrm check`'s swap-capacity rule
// holds on a station used as in real life. A day booked up to the
// station's charged packs, then a swap completed (a charged pack becomes
// charging) and a charged pack sent to maintenance, leaves the day's
// bookings above today's charged count: legitimate, and check stays
// quiet, as it does for the swap started an hour before its slot (staff
// may start up to booking.StartWindow early). Bookings beyond all the
// station's packs, or a start before the window, are what no action can
// produce, and check reports them.
func TestSwapCapacityCheckOnLiveData(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			testSwapCapacityCheck(t, dialect)
		})
	}
}

func testSwapCapacityCheck(t *testing.T, dialect db.Dialect) {
	s := apptest.Start(t, dialect)
	ctx := t.Context()
	owner := mustUser(t, s, "owner")
	svc := mustUser(t, s, "service")
	date := s.App.Services.Booking.Now().In(shanghai(t)).AddDate(0, 0, 1).Format("2006-01-02")
	a := bookFirstFree(t, s, owner, date)
	station := a.SiteID
	var booked, charged, total int
	read := func() {
		t.Helper()
		if err := s.App.DB.QueryRowContext(ctx, `SELECT u.booked, s.charged_batteries, s.battery_total FROM swap_day_usage u
			JOIN sites s ON s.id = u.site_id WHERE u.site_id = $1 AND u.slot_date = $2`, station, a.SlotDate).Scan(&booked, &charged, &total); err != nil {
			t.Fatal(err)
		}
	}
	checkProblems := func() []string {
		t.Helper()
		problems, err := datagen.Check(ctx, s.App.DB)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range problems {
			out = append(out, p.String())
		}
		return out
	}
	read()
	if booked > charged {
		t.Fatalf("before: %d swaps booked on %s beyond %d charged packs", booked, date, charged)
	}
	// Staff send charged packs to maintenance until the day is exactly full.
	packs, err := s.App.DB.QueryContext(ctx, `SELECT id FROM battery_packs WHERE site_id = $1 AND state = 'charged' ORDER BY id`, station)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for packs.Next() {
		var id int64
		if err := packs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	packs.Close()
	for _, id := range ids[:charged-booked] {
		if _, err := s.App.Services.Inventory.SetPackState(ctx, svc, id, inventory.PackCharged, inventory.PackMaintenance, "外壳磕碰，送检"); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if booked != charged || booked == 0 {
		t.Fatalf("after maintenance: %d booked, %d charged; want the day exactly full", booked, charged)
	}
	if p := checkProblems(); len(p) > 0 {
		t.Fatalf("a full day: %v", p)
	}

	// The swap is done: one charged pack is consumed, the day stays booked.
	s.Clock.Set(a.ScheduledAt.Add(-time.Hour))
	for _, step := range []booking.Action{booking.Confirm, booking.Start, booking.Complete} {
		if _, err := s.App.Services.Booking.Act(ctx, svc, a.ID, step, booking.ActionInput{Date: date, Result: "换电完成"}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// And a charged pack left, if any, goes to maintenance.
	var left int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0) FROM battery_packs WHERE site_id = $1 AND state = 'charged'`, station).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		if _, err := s.App.Services.Inventory.SetPackState(ctx, svc, left, inventory.PackCharged, inventory.PackMaintenance, "BMS 告警"); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if booked <= charged {
		t.Fatalf("after the swap: %d booked, %d charged; want more booked than charged now", booked, charged)
	}
	if p := checkProblems(); len(p) > 0 {
		t.Fatalf("bookings above today's charged packs after swaps and maintenance are live data, not a fault: %v", p)
	}

	// Bookings beyond every pack of the station: reported.
	if _, err := s.App.DB.ExecContext(ctx, `UPDATE swap_day_usage SET booked = $1 WHERE site_id = $2 AND slot_date = $3`, total+1, station, a.SlotDate); err != nil {
		t.Fatal(err)
	}
	p := checkProblems()
	if !strings.Contains(strings.Join(p, "\n"), "capacity never exceeded: a day's swap bookings beyond the station's batteries") {
		t.Fatalf("bookings beyond all %d packs not reported: %v", total, p)
	}

	// A service started within the start window before its slot is fine
	// (the swap above started an hour early); earlier than that, reported.
	if _, err := s.App.DB.ExecContext(ctx, `UPDATE appointments SET started_at = $1 WHERE id = $2`, a.ScheduledAt.Add(-booking.StartWindow-time.Minute), a.ID); err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(checkProblems(), "\n"); !strings.Contains(p, "dates in order: 1 appointments (first id") || !strings.Contains(p, "started more than 2 hours before their slot") {
		t.Fatalf("a service started before the start window not reported: %v", p)
	}
}
