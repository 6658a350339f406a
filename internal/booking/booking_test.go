package booking_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestBookValidation(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// One existing booking so that counters are not all zero.
		f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))

		cases := []struct {
			name  string
			at    time.Time // clock for this case; zero means start
			in    booking.BookInput
			field string
		}{
			{name: "past date", in: f.repair(f.VehA, "2026-11-19", hm(10, 0)), field: "date"},
			{name: "beyond 14 days", in: f.repair(f.VehA, "2026-12-04", hm(10, 0)), field: "date"},
			{name: "malformed date", in: f.repair(f.VehA, "2026/11/21", hm(10, 0)), field: "date"},
			{name: "empty date", in: f.repair(f.VehA, "", hm(10, 0)), field: "date"},
			{name: "before opening", in: f.repair(f.VehA, tomorrow, hm(7, 0)), field: "minute"},
			{name: "at closing", in: f.repair(f.VehA, tomorrow, hm(18, 0)), field: "minute"},
			{name: "ending after closing", in: f.repair(f.VehA, tomorrow, hm(17, 30)), field: "minute"},
			{name: "off the grid", in: f.repair(f.VehA, tomorrow, hm(10, 30)), field: "minute"},
			{name: "negative minute", in: f.repair(f.VehA, tomorrow, -60), field: "minute"},
			{name: "slot already started", in: f.repair(f.VehA, today, hm(9, 0)), field: "minute"},
			{name: "slot in 20 minutes", at: start.Add(10 * time.Minute),
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: today, Minute: hm(9, 30)},
				field: "minute"},
			{name: "slot in 29 minutes", at: start.Add(31 * time.Minute),
				in: f.repair(f.VehA, today, hm(10, 0)), field: "minute"},
			{name: "another owner's vehicle", in: f.repair(f.VehB, tomorrow, hm(11, 0)), field: "vehicle_id"},
			{name: "no vehicle", in: f.repair(0, tomorrow, hm(11, 0)), field: "vehicle_id"},
			{name: "unknown vehicle", in: f.repair(999999, tomorrow, hm(11, 0)), field: "vehicle_id"},
			{name: "unknown site",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: 999999, Kind: booking.Repair, Date: tomorrow, Minute: hm(11, 0)},
				field: "site_id"},
			{name: "no site",
				in:    booking.BookInput{VehicleID: f.VehA, Kind: booking.Repair, Date: tomorrow, Minute: hm(11, 0)},
				field: "site_id"},
			{name: "repair at a swap station",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Repair, Date: tomorrow, Minute: hm(11, 0)},
				field: "site_id"},
			{name: "swap at a service center",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: booking.Swap, Date: tomorrow, Minute: hm(11, 0)},
				field: "site_id"},
			{name: "charging at a store",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Store, Kind: booking.Charging, Date: tomorrow, Minute: hm(11, 0)},
				field: "site_id"},
			{name: "swap on a non-swap vehicle",
				in:    booking.BookInput{VehicleID: f.VehA2, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(11, 0)},
				field: "vehicle_id"},
			{name: "note too long",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: booking.Repair, Date: tomorrow, Minute: hm(11, 0), Note: strings.Repeat("长", 201)},
				field: "note"},
			{name: "unknown kind",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: "wash", Date: tomorrow, Minute: hm(11, 0)},
				field: "service"},
			{name: "test drive is not an owner booking",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Store, Kind: booking.TestDrive, Date: tomorrow, Minute: hm(11, 0)},
				field: "service"},
			{name: "same vehicle, second open repair", in: f.repair(f.VehA, tomorrow, hm(15, 0)), field: "vehicle_id"},
			{name: "same vehicle, same slot, another kind",
				in:    booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(10, 0)},
				field: "minute"},
			{name: "minute overflowing the arithmetic", in: f.repair(f.VehA, tomorrow, 9223372036854775800), field: "minute"},
			{name: "negative minute", in: f.repair(f.VehA, tomorrow, -60), field: "minute"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				at := tc.at
				if at.IsZero() {
					at = start
				}
				f.Clock.Set(at)
				defer f.Clock.Set(start)
				before := f.writes()
				_, err := f.Svc.Book(context.Background(), f.OwnerA, tc.in)
				apperrtest.WantField(t, err, tc.field)
				if after := f.writes(); after != before {
					t.Errorf("rows (appointments, slot_usage, booked, audit) = %v, before %v: a refused booking wrote", after, before)
				}
			})
		}

		t.Run("note of exactly 200 runes is fine", func(t *testing.T) {
			in := f.repair(f.vehicle(f.OwnerA.CustomerID, f.PlainModel), tomorrow, hm(15, 0))
			in.Note = "  " + strings.Repeat("长", 200) + "  "
			a := f.book(f.OwnerA, in)
			if a.Note != strings.Repeat("长", 200) {
				t.Errorf("note not trimmed: %d runes", len([]rune(a.Note)))
			}
		})
		t.Run("boundaries: last day of the horizon, slot in exactly 30 minutes", func(t *testing.T) {
			f.book(f.OwnerA, f.repair(f.vehicle(f.OwnerA.CustomerID, f.PlainModel), "2026-12-03", hm(17, 0)))
			f.book(f.OwnerA, booking.BookInput{VehicleID: f.vehicle(f.OwnerA.CustomerID, f.SwapModel), SiteID: f.Swap, Kind: booking.Swap, Date: today, Minute: hm(9, 30)})
		})

		for _, actor := range []struct {
			name string
			u    *identity.User
		}{{"service", f.ServiceA}, {"sales", f.Sales}, {"admin", f.Admin}, {"nil", nil}} {
			t.Run("non-owner "+actor.name+" is refused", func(t *testing.T) {
				before := f.writes()
				_, err := f.Svc.Book(context.Background(), actor.u, f.repair(f.VehA, tomorrow, hm(12, 0)))
				want := apperr.Forbidden
				if actor.u == nil {
					want = apperr.Unauthenticated
				}
				apperrtest.WantCode(t, err, want)
				if after := f.writes(); after != before {
					t.Errorf("forbidden booking wrote: %v -> %v", before, after)
				}
			})
		}
	})
}

func TestBookSlotsAndCancel(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()

		day, err := f.Svc.Slots(ctx, f.Center, booking.Repair, tomorrow)
		if err != nil {
			t.Fatal(err)
		}
		if len(day.Slots) != 10 || day.Slots[0].Minute != hm(8, 0) || day.Slots[9].Label != "17:00-18:00" {
			t.Fatalf("slot grid = %d slots, first %+v, last %+v", len(day.Slots), day.Slots[0], day.Slots[len(day.Slots)-1])
		}
		if day.BatteriesLeft != -1 {
			t.Errorf("repair day BatteriesLeft = %d, want -1", day.BatteriesLeft)
		}
		for _, s := range day.Slots {
			if s.Places != 2 || s.Left != 2 || !s.Bookable {
				t.Fatalf("fresh slot %+v, want 2 places, 2 left, bookable", s)
			}
		}
		// Today's slots up to 09:30 are past (lead time 30 min).
		todayDay, err := f.Svc.Slots(ctx, f.Center, booking.Repair, today)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range todayDay.Slots {
			wantBookable := s.Minute >= hm(10, 0)
			wantReason := "即将开始"
			if s.Start.Before(f.Clock.Now()) {
				wantReason = "已过"
			}
			if s.Bookable != wantBookable || (!wantBookable && s.Reason != wantReason) {
				t.Errorf("today %s bookable=%v reason=%q", s.Label, s.Bookable, s.Reason)
			}
		}

		a := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: booking.Repair, Date: tomorrow, Minute: hm(10, 0), Note: " 异响 "})
		wantStart := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Add(-8 * time.Hour)
		if a.Status != booking.Booked || !a.ScheduledAt.Equal(wantStart) || a.Date() != tomorrow || a.SlotMinute != hm(10, 0) ||
			a.Note != "异响" || a.CustomerID != f.OwnerA.CustomerID || a.VehicleID != f.VehA || a.SiteID != f.Center || a.Kind != booking.Repair {
			t.Fatalf("booked appointment = %+v", a)
		}
		if a.When() != "2026-11-21 10:00-11:00" {
			t.Errorf("When = %q", a.When())
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(10, 0)); got != 1 {
			t.Fatalf("Left after one booking = %d, want 1", got)
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(11, 0)); got != 2 {
			t.Fatalf("Left of another slot = %d, want 2", got)
		}
		// Owner B takes the last place; the slot reports full.
		b := f.book(f.OwnerB, f.repair(f.VehB, tomorrow, hm(10, 0)))
		day, _ = f.Svc.Slots(ctx, f.Center, booking.Repair, tomorrow)
		if s := day.Slots[2]; s.Left != 0 || s.Bookable || s.Reason != "已约满" {
			t.Fatalf("full slot = %+v", s)
		}
		// A third vehicle gets ErrFull and nothing is written.
		before := f.writes()
		_, err = f.Svc.Book(ctx, f.OwnerA, f.repair(f.VehA2, tomorrow, hm(10, 0)))
		if !errors.Is(err, booking.ErrFull) {
			t.Fatalf("booking a full slot: %v, want ErrFull", err)
		}
		if after := f.writes(); after != before {
			t.Errorf("full booking wrote: %v -> %v", before, after)
		}

		// Upcoming list.
		up, past, err := f.Svc.Mine(ctx, f.OwnerA, 10)
		if err != nil || len(up) != 1 || up[0].ID != a.ID || len(past) != 0 {
			t.Fatalf("Mine = %v, %v, %v", up, past, err)
		}
		if up, err := f.Svc.Upcoming(ctx, f.OwnerA, 10); err != nil || len(up) != 1 || up[0].ID != a.ID {
			t.Fatalf("Upcoming = %v, %v", up, err)
		}
		if up, err := f.Svc.Upcoming(ctx, f.OwnerA, 0); err != nil || len(up) != 0 {
			t.Fatalf("Upcoming(0) = %v, %v", up, err)
		}
		// Next is the same list with the summary's fields only.
		if next, err := f.Svc.Next(ctx, f.OwnerA, 10); err != nil || len(next) != 1 {
			t.Fatalf("Next = %v, %v", next, err)
		} else if n, u := next[0], up[0]; n.ID != u.ID || n.CustomerID != u.CustomerID || n.VehicleID != u.VehicleID || n.VehicleName != u.VehicleName ||
			n.Plate != u.Plate || n.SiteID != u.SiteID || n.SiteName != u.SiteName || n.Kind != u.Kind || !n.SlotDate.Equal(u.SlotDate) ||
			n.SlotMinute != u.SlotMinute || n.SlotMinutes != u.SlotMinutes || n.Status != u.Status || n.When() != u.When() || n.VehicleName == "" {
			t.Fatalf("Next = %+v, Upcoming = %+v", n, u)
		}

		// Owner cancels: place released, status cancelled, audit written.
		c, err := f.Svc.Cancel(ctx, f.OwnerA, a.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != booking.Cancelled {
			t.Fatalf("status after cancel = %s", c.Status)
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(10, 0)); got != 1 {
			t.Fatalf("Left after cancel = %d, want 1", got)
		}
		if got := f.count(`SELECT booked FROM slot_usage WHERE site_id = $1 AND slot_minute = $2`, f.Center, hm(10, 0)); got != 1 {
			t.Fatalf("slot_usage.booked = %d, want 1", got)
		}
		// Cancelling again is a conflict.
		_, err = f.Svc.Cancel(ctx, f.OwnerA, a.ID, "", "")
		apperrtest.WantCode(t, err, apperr.Conflict)
		up, past, _ = f.Svc.Mine(ctx, f.OwnerA, 10)
		if len(up) != 0 || len(past) != 1 || past[0].Status != booking.Cancelled {
			t.Fatalf("Mine after cancel = %v, %v", up, past)
		}
		if up, err := f.Svc.Upcoming(ctx, f.OwnerA, 10); err != nil || len(up) != 0 {
			t.Fatalf("Upcoming after cancel = %v, %v", up, err)
		}
		if next, err := f.Svc.Next(ctx, f.OwnerA, 10); err != nil || len(next) != 0 {
			t.Fatalf("Next after cancel = %v, %v", next, err)
		}
		// The same vehicle may book the slot again once the old one is cancelled.
		f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))

		if got := f.auditActions(a.ID); !slices.Equal(got, []string{"book", "cancel"}) {
			t.Errorf("audit of a = %v", got)
		}
		if got := f.auditActions(b.ID); !slices.Equal(got, []string{"book"}) {
			t.Errorf("audit of b = %v", got)
		}
		if uid := f.count(`SELECT user_id FROM audit_log WHERE entity_id = $1 AND action = 'cancel'`, a.ID); int64(uid) != f.OwnerA.ID {
			t.Errorf("audit user = %d, want %d", uid, f.OwnerA.ID)
		}
	})
}

func TestOwnerChangeCutoff(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		// Today 11:00 starts in exactly 2 h: still changeable now.
		a := f.book(f.OwnerA, f.repair(f.VehA, today, hm(11, 0)))
		if !a.OwnerCanChange(f.Clock.Now()) {
			t.Fatal("OwnerCanChange exactly 2 h before = false")
		}
		f.Clock.Advance(time.Minute)
		before := f.writes()
		_, err := f.Svc.Cancel(ctx, f.OwnerA, a.ID, "", "")
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = f.Svc.Reschedule(ctx, f.OwnerA, a.ID, tomorrow, hm(11, 0))
		apperrtest.WantCode(t, err, apperr.Conflict)
		if after := f.writes(); after != before {
			t.Errorf("refused change wrote: %v -> %v", before, after)
		}
		// Staff may still cancel, with a reason.
		c, err := f.Svc.Cancel(ctx, f.ServiceA, a.ID, "车主来电取消", "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != booking.Cancelled || c.CancelReason != "车主来电取消" {
			t.Fatalf("after staff cancel: %+v", c)
		}
	})
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))
		if _, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Confirm, booking.ActionInput{}); err != nil {
			t.Fatal(err)
		}

		// Same slot is refused.
		_, err := f.Svc.Reschedule(ctx, f.OwnerA, a.ID, tomorrow, hm(10, 0))
		apperrtest.WantField(t, err, "minute")
		// Invalid target slot.
		_, err = f.Svc.Reschedule(ctx, f.OwnerA, a.ID, tomorrow, hm(10, 30))
		apperrtest.WantField(t, err, "minute")
		// Staff cannot reschedule; another owner cannot see it.
		_, err = f.Svc.Reschedule(ctx, f.ServiceA, a.ID, tomorrow, hm(14, 0))
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Reschedule(ctx, f.OwnerB, a.ID, tomorrow, hm(14, 0))
		apperrtest.WantCode(t, err, apperr.NotFound)

		r, err := f.Svc.Reschedule(ctx, f.OwnerA, a.ID, tomorrow, hm(14, 0))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != booking.Booked || r.SlotMinute != hm(14, 0) || r.RescheduleCount != 1 ||
			!r.ScheduledAt.Equal(time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)) {
			t.Fatalf("after reschedule: %+v", r)
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(10, 0)); got != 2 {
			t.Errorf("old slot Left = %d, want 2", got)
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(14, 0)); got != 1 {
			t.Errorf("new slot Left = %d, want 1", got)
		}

		// A full target slot is refused with ErrFull and nothing moves.
		f.book(f.OwnerB, f.repair(f.VehB, tomorrow, hm(15, 0)))
		f.book(f.OwnerA, f.repair(f.VehA2, tomorrow, hm(15, 0)))
		before := f.writes()
		_, err = f.Svc.Reschedule(ctx, f.OwnerA, a.ID, tomorrow, hm(15, 0))
		if !errors.Is(err, booking.ErrFull) {
			t.Fatalf("reschedule into full slot: %v", err)
		}
		if after := f.writes(); after != before {
			t.Errorf("refused reschedule wrote: %v -> %v", before, after)
		}

		// Moving to another day works; the third move too; the fourth is refused.
		if _, err := f.Svc.Reschedule(ctx, f.OwnerA, a.ID, "2026-11-22", hm(9, 0)); err != nil {
			t.Fatal(err)
		}
		r, err = f.Svc.Reschedule(ctx, f.OwnerA, a.ID, "2026-11-23", hm(9, 0))
		if err != nil {
			t.Fatal(err)
		}
		if r.RescheduleCount != 3 || r.CanReschedule(f.Clock.Now()) {
			t.Fatalf("after 3 moves: count %d, CanReschedule %v", r.RescheduleCount, r.CanReschedule(f.Clock.Now()))
		}
		before = f.writes()
		_, err = f.Svc.Reschedule(ctx, f.OwnerA, a.ID, "2026-11-24", hm(9, 0))
		apperrtest.WantCode(t, err, apperr.Conflict)
		if after := f.writes(); after != before {
			t.Errorf("4th reschedule wrote: %v -> %v", before, after)
		}
		total := f.count(`SELECT COALESCE(SUM(booked), 0) FROM slot_usage`)
		open := f.count(`SELECT COUNT(*) FROM appointments WHERE status IN ('booked', 'confirmed', 'in_progress')`)
		if total != open || open != 3 {
			t.Errorf("slot_usage total %d, open appointments %d, want 3", total, open)
		}
		if f.left(f.Center, booking.Repair, "2026-11-23", hm(9, 0)) != 1 || f.left(f.Center, booking.Repair, "2026-11-22", hm(9, 0)) != 2 {
			t.Error("places not where the appointment is")
		}
		want := []string{"book", "confirm", "reschedule", "reschedule", "reschedule"}
		if got := f.auditActions(a.ID); !slices.Equal(got, want) {
			t.Errorf("audit = %v, want %v", got, want)
		}
	})
}

func TestSwapBatteryDayLimit(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		ownerC, _, vehC := f.newOwner("车主丙", f.SwapModel)
		swap := func(veh int64, minute int) booking.BookInput {
			return booking.BookInput{VehicleID: veh, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: minute}
		}

		day, err := f.Svc.Slots(ctx, f.Swap, booking.Swap, tomorrow)
		if err != nil {
			t.Fatal(err)
		}
		if day.BatteriesLeft != 3 || len(day.Slots) != 30 || day.Slots[0].Left != 2 {
			t.Fatalf("fresh swap day: batteries %d, %d slots, first %+v", day.BatteriesLeft, len(day.Slots), day.Slots[0])
		}
		a1 := f.book(f.OwnerA, swap(f.VehA, hm(10, 0)))
		f.book(f.OwnerB, swap(f.VehB, hm(10, 0)))
		f.book(f.OwnerA, swap(f.vehicle(f.OwnerA.CustomerID, f.SwapModel), hm(10, 30)))
		// The slot 11:00 has room (2 places) but the station has no charged battery left.
		before := f.writes()
		_, err = f.Svc.Book(ctx, ownerC, swap(vehC, hm(11, 0)))
		apperrtest.WantCode(t, err, apperr.Conflict)
		if errors.Is(err, booking.ErrFull) || !strings.Contains(apperr.As(err).Message, "电池") {
			t.Errorf("battery limit error = %v, want the batteries message", err)
		}
		if after := f.writes(); after != before {
			t.Errorf("refused swap wrote: %v -> %v", before, after)
		}
		day, _ = f.Svc.Slots(ctx, f.Swap, booking.Swap, tomorrow)
		if day.BatteriesLeft != 0 {
			t.Errorf("BatteriesLeft = %d, want 0", day.BatteriesLeft)
		}
		for _, s := range day.Slots {
			if s.Left != 0 || s.Bookable || s.Reason != "已约满" {
				t.Fatalf("slot %s = %+v, want Left 0 and 已约满", s.Label, s)
			}
		}
		// Another day is unaffected.
		if got := f.left(f.Swap, booking.Swap, "2026-11-22", hm(11, 0)); got != 2 {
			t.Errorf("next day Left = %d, want 2", got)
		}
		if n := f.count(`SELECT booked FROM swap_day_usage WHERE site_id = $1`, f.Swap); n != 3 {
			t.Errorf("swap_day_usage.booked = %d, want 3", n)
		}

		// Moving a swap to another slot of the same, battery-full day uses no
		// extra battery and must be allowed.
		r, err := f.Svc.Reschedule(ctx, f.OwnerA, a1.ID, tomorrow, hm(12, 0))
		if err != nil {
			t.Fatalf("reschedule a swap within a battery-full day: %v", err)
		}
		if r.SlotMinute != hm(12, 0) {
			t.Fatalf("after reschedule: %+v", r)
		}
		if n := f.count(`SELECT booked FROM swap_day_usage WHERE site_id = $1`, f.Swap); n != 3 {
			t.Errorf("swap_day_usage.booked after move = %d, want 3", n)
		}
		// Moving it to another day frees a battery on this one.
		if _, err := f.Svc.Reschedule(ctx, f.OwnerA, a1.ID, "2026-11-22", hm(12, 0)); err != nil {
			t.Fatal(err)
		}
		if got := f.left(f.Swap, booking.Swap, tomorrow, hm(11, 0)); got != 1 {
			t.Errorf("Left after moving a swap away = %d, want 1", got)
		}
		// Cancelling frees one too; then C can book.
		c := f.book(ownerC, swap(vehC, hm(11, 0)))
		if _, err := f.Svc.Cancel(ctx, ownerC, c.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		day, _ = f.Svc.Slots(ctx, f.Swap, booking.Swap, tomorrow)
		if day.BatteriesLeft != 1 {
			t.Errorf("BatteriesLeft after cancel = %d, want 1", day.BatteriesLeft)
		}
		if n := f.count(`SELECT COUNT(*) FROM appointments WHERE site_id = $1 AND slot_date = (SELECT slot_date FROM appointments WHERE id = $2) AND status = 'booked'`, f.Swap, c.ID); n != 2 {
			t.Errorf("open swaps tomorrow = %d, want 2", n)
		}
	})
}

func TestStaffStatusMachine(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))
		act := func(u *identity.User, action booking.Action, in booking.ActionInput) (*booking.Appointment, error) {
			return f.Svc.Act(ctx, u, a.ID, action, in)
		}

		// Owners and sales cannot act; unknown action.
		_, err := act(f.OwnerA, booking.Confirm, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = act(f.Sales, booking.Confirm, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = act(f.ServiceA, "fly", booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Invalid)

		// Wrong order.
		for _, action := range []booking.Action{booking.Start, booking.Complete} {
			before := f.writes()
			_, err = act(f.ServiceA, action, booking.ActionInput{Result: "ok"})
			apperrtest.WantCode(t, err, apperr.Conflict)
			if after := f.writes(); after != before {
				t.Errorf("%s on booked wrote", action)
			}
		}
		r, err := act(f.ServiceA, booking.Confirm, booking.ActionInput{})
		if err != nil || r.Status != booking.Confirmed {
			t.Fatalf("confirm: %v, %v", r, err)
		}
		_, err = act(f.ServiceA, booking.Confirm, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = act(f.ServiceA, booking.Complete, booking.ActionInput{Result: "ok"})
		apperrtest.WantCode(t, err, apperr.Conflict)

		// Assign: a technician of the same center; not one from another center, not a sales user.
		_, err = act(f.ServiceA, booking.Assign, booking.ActionInput{TechnicianID: f.ServiceB.ID})
		apperrtest.WantField(t, err, "technician_id")
		_, err = act(f.ServiceA, booking.Assign, booking.ActionInput{TechnicianID: f.Sales.ID})
		apperrtest.WantField(t, err, "technician_id")
		_, err = act(f.ServiceA, booking.Assign, booking.ActionInput{TechnicianID: f.ServiceA2.ID, Bay: strings.Repeat("位", 21)})
		apperrtest.WantField(t, err, "bay")
		r, err = act(f.ServiceA, booking.Assign, booking.ActionInput{TechnicianID: f.ServiceA2.ID, Bay: " 3 号工位 "})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != booking.Confirmed || r.TechnicianID != f.ServiceA2.ID || r.TechnicianName != "技师甲" || r.Bay != "3 号工位" {
			t.Fatalf("after assign: %+v", r)
		}
		techs, err := f.Svc.Technicians(ctx, f.ServiceA)
		if err != nil || len(techs) != 2 {
			t.Fatalf("Technicians = %v, %v", techs, err)
		}

		// Not earlier than 2 hours before the slot.
		_, err = act(f.ServiceA, booking.Start, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)
		f.Clock.Set(a.ScheduledAt.Add(-time.Hour))
		r, err = act(f.ServiceA, booking.Start, booking.ActionInput{})
		if err != nil || r.Status != booking.InProgress {
			t.Fatalf("start: %v, %v", r, err)
		}
		// In progress: the owner can no longer cancel, staff neither.
		_, err = f.Svc.Cancel(ctx, f.OwnerA, a.ID, "", "")
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = f.Svc.Cancel(ctx, f.ServiceA, a.ID, "算了", "")
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = act(f.ServiceA, booking.MarkNoShow, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)

		before := f.writes()
		_, err = act(f.ServiceA, booking.Complete, booking.ActionInput{Result: "   "})
		apperrtest.WantField(t, err, "result")
		_, err = act(f.ServiceA, booking.Complete, booking.ActionInput{Result: strings.Repeat("好", 501)})
		apperrtest.WantField(t, err, "result")
		if after := f.writes(); after != before {
			t.Errorf("refused complete wrote")
		}
		r, err = act(f.ServiceA, booking.Complete, booking.ActionInput{Result: "更换前刹车片"})
		if err != nil || r.Status != booking.Completed || r.Result != "更换前刹车片" {
			t.Fatalf("complete: %+v, %v", r, err)
		}
		for _, action := range []booking.Action{booking.Confirm, booking.Start, booking.Complete, booking.MarkNoShow, booking.Assign} {
			_, err = act(f.ServiceA, action, booking.ActionInput{TechnicianID: f.ServiceA2.ID, Result: "x"})
			apperrtest.WantCode(t, err, apperr.Conflict)
		}
		// Completed appointments still hold their place: the slot is not released.
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(10, 0)); got != 1 {
			t.Errorf("Left after completion = %d, want 1", got)
		}
		want := []string{"book", "confirm", "assign", "start", "complete"}
		if got := f.auditActions(a.ID); !slices.Equal(got, want) {
			t.Errorf("audit = %v, want %v", got, want)
		}
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE entity_id = $1 AND action = 'assign'`, a.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"bay":"3 号工位"`) {
			t.Errorf("assign audit detail = %s", detail)
		}
	})
}

func TestNoShowAndStaffCancel(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))
		b := f.book(f.OwnerB, f.repair(f.VehB, tomorrow, hm(10, 0)))

		_, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.MarkNoShow, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)

		// Staff cancel needs a reason (and a short one).
		before := f.writes()
		_, err = f.Svc.Cancel(ctx, f.ServiceA, b.ID, "  ", "")
		apperrtest.WantField(t, err, "reason")
		_, err = f.Svc.Cancel(ctx, f.ServiceA, b.ID, strings.Repeat("因", 201), "")
		apperrtest.WantField(t, err, "reason")
		if after := f.writes(); after != before {
			t.Errorf("refused cancel wrote")
		}
		c, err := f.Svc.Cancel(ctx, f.ServiceA, b.ID, "技师临时请假", "")
		if err != nil || c.Status != booking.Cancelled || c.CancelReason != "技师临时请假" {
			t.Fatalf("staff cancel: %+v, %v", c, err)
		}
		if got := f.left(f.Center, booking.Repair, tomorrow, hm(10, 0)); got != 1 {
			t.Errorf("Left after staff cancel = %d, want 1", got)
		}
		if got := f.auditActions(b.ID); !slices.Equal(got, []string{"book", "cancel"}) {
			t.Errorf("audit of b = %v", got)
		}

		// After the slot starts, no-show is allowed.
		f.Clock.Set(time.Date(2026, 11, 21, 10, 5, 0, 0, start.Location()))
		r, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.MarkNoShow, booking.ActionInput{})
		if err != nil || r.Status != booking.NoShow {
			t.Fatalf("no-show after start: %+v, %v", r, err)
		}
		_, past, err := f.Svc.Mine(ctx, f.OwnerA, 10)
		if err != nil || len(past) != 1 || past[0].Status != booking.NoShow {
			t.Fatalf("Mine past = %v, %v", past, err)
		}
		if got := f.auditActions(a.ID); !slices.Equal(got, []string{"book", "no-show"}) {
			t.Errorf("audit of a = %v", got)
		}
	})
}

func TestScope(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))
		sw := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(8, 0)})
		ch := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA2, SiteID: f.Charging, Kind: booking.Charging, Date: tomorrow, Minute: hm(20, 0)})
		other := f.book(f.OwnerB, booking.BookInput{VehicleID: f.VehB, SiteID: f.OtherCenter, Kind: booking.Repair, Date: tomorrow, Minute: hm(9, 0)})
		// A different day at the center: not in tomorrow's queue.
		later := f.book(f.OwnerB, f.repair(f.vehicle(f.OwnerB.CustomerID, f.SwapModel), "2026-11-22", hm(9, 0)))

		// Service user of another center: NotFound everywhere, nothing written.
		before := f.writes()
		for _, id := range []int64{a.ID, sw.ID} {
			_, err := f.Svc.Get(ctx, f.ServiceB, id)
			apperrtest.WantCode(t, err, apperr.NotFound)
			_, err = f.Svc.Act(ctx, f.ServiceB, id, booking.Confirm, booking.ActionInput{})
			apperrtest.WantCode(t, err, apperr.NotFound)
			_, err = f.Svc.Cancel(ctx, f.ServiceB, id, "不是我的", "")
			apperrtest.WantCode(t, err, apperr.NotFound)
		}
		// Owner B cannot see owner A's appointment.
		_, err := f.Svc.Get(ctx, f.OwnerB, a.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = f.Svc.Cancel(ctx, f.OwnerB, a.ID, "", "")
		apperrtest.WantCode(t, err, apperr.NotFound)
		// Sales users see no appointments.
		_, err = f.Svc.Get(ctx, f.Sales, a.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
		// Unknown id.
		_, err = f.Svc.Get(ctx, f.Admin, 999999)
		apperrtest.WantCode(t, err, apperr.NotFound)
		if after := f.writes(); after != before {
			t.Errorf("out-of-scope calls wrote")
		}

		// The center's staff see the center's and its swap station's appointments, not the charging station's.
		for _, id := range []int64{a.ID, sw.ID} {
			if _, err := f.Svc.Get(ctx, f.ServiceA, id); err != nil {
				t.Errorf("ServiceA Get %d: %v", id, err)
			}
		}
		_, err = f.Svc.Get(ctx, f.ServiceA, ch.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
		// A technician of the parent center can be assigned at the swap station.
		if _, err := f.Svc.Act(ctx, f.ServiceA, sw.ID, booking.Assign, booking.ActionInput{TechnicianID: f.ServiceA2.ID}); err != nil {
			t.Errorf("assign at child station: %v", err)
		}

		ids := func(list []*booking.Appointment) []int64 {
			var out []int64
			for _, x := range list {
				out = append(out, x.ID)
			}
			return out
		}
		// A service user's own center, named or not (0).
		for _, center := range []int64{0, f.Center} {
			q, err := f.Svc.Queue(ctx, f.ServiceA, tomorrow, center)
			if err != nil {
				t.Fatal(err)
			}
			// Slot order: swap 08:00 before repair 10:00.
			if got := ids(q); !slices.Equal(got, []int64{sw.ID, a.ID}) {
				t.Errorf("ServiceA queue of center %d = %v, want [%d %d]", center, got, sw.ID, a.ID)
			}
		}
		q, err := f.Svc.Queue(ctx, f.ServiceB, tomorrow, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(q); !slices.Equal(got, []int64{other.ID}) {
			t.Errorf("ServiceB queue = %v, want [%d]", got, other.ID)
		}
		// Another center's queue is refused to a service user, whatever
		// site they name (another center, a station, an unknown id).
		for _, center := range []int64{f.OtherCenter, f.Swap, f.Charging, 999999} {
			_, err = f.Svc.Queue(ctx, f.ServiceA, tomorrow, center)
			apperrtest.WantCode(t, err, apperr.Forbidden)
		}
		q, err = f.Svc.Queue(ctx, f.Admin, tomorrow, 0)
		if err != nil || len(q) != 4 {
			t.Errorf("admin queue = %v, %v; want 4", ids(q), err)
		}
		// An admin's chosen center: the same rows as its adviser's.
		q, err = f.Svc.Queue(ctx, f.Admin, tomorrow, f.Center)
		if got := ids(q); err != nil || !slices.Equal(got, []int64{sw.ID, a.ID}) {
			t.Errorf("admin queue of the center = %v, %v; want [%d %d]", got, err, sw.ID, a.ID)
		}
		q, err = f.Svc.Queue(ctx, f.Admin, tomorrow, f.OtherCenter)
		if got := ids(q); err != nil || !slices.Equal(got, []int64{other.ID}) {
			t.Errorf("admin queue of the other center = %v, %v; want [%d]", got, err, other.ID)
		}
		for _, center := range []int64{f.Swap, f.Charging, 999999} {
			_, err = f.Svc.Queue(ctx, f.Admin, tomorrow, center)
			apperrtest.WantField(t, err, "site_id")
		}
		q, err = f.Svc.Queue(ctx, f.ServiceA, "2026-11-22", 0)
		if err != nil || !slices.Equal(ids(q), []int64{later.ID}) {
			t.Errorf("ServiceA queue next day = %v, %v", ids(q), err)
		}
		_, err = f.Svc.Queue(ctx, f.OwnerA, tomorrow, 0)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Queue(ctx, f.Sales, tomorrow, f.Center)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Queue(ctx, f.ServiceA, "tomorrow", 0)
		apperrtest.WantField(t, err, "date")
		_, err = f.Svc.Queue(ctx, f.Admin, "tomorrow", f.Center)
		apperrtest.WantField(t, err, "date")
		_, _, err = f.Svc.Mine(ctx, f.ServiceA, 10)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Upcoming(ctx, f.ServiceA, 10)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Upcoming(ctx, nil, 10)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		_, err = f.Svc.Next(ctx, f.ServiceA, 10)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = f.Svc.Next(ctx, nil, 10)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
	})
}

func TestSlotsValidation(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cases := []struct {
			name  string
			site  int64
			kind  booking.Kind
			date  string
			field string
		}{
			{"unknown kind", f.Center, "wash", tomorrow, "service"},
			{"unknown site", 999999, booking.Repair, tomorrow, "site_id"},
			{"wrong site kind", f.Charging, booking.Repair, tomorrow, "site_id"},
			{"no capacity", f.Store, booking.TestDrive, tomorrow, "site_id"},
			{"past date", f.Center, booking.Repair, "2026-11-19", "date"},
			{"malformed date", f.Center, booking.Repair, "21.11.2026", "date"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.Svc.Slots(ctx, tc.site, tc.kind, tc.date)
				apperrtest.WantField(t, err, tc.field)
			})
		}
	})
}

// TestConcurrentBookingNeverOversells races many owners for the last places
// of one slot: exactly the free places are taken, everyone else gets ErrFull,
// and the counter matches the appointments.
func TestConcurrentBookingNeverOversells(t *testing.T) {
	t.Parallel()
	const racers = 30
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const places = 3 // charging capacity per slot at f.Charging
		owners := make([]*identity.User, racers)
		vehicles := make([]int64, racers)
		for i := range racers {
			owners[i], _, vehicles[i] = f.newOwner("抢约车主", f.PlainModel)
		}
		minute := hm(19, 0)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-gate
				_, errs[i] = f.Svc.Book(ctx, owners[i], booking.BookInput{VehicleID: vehicles[i], SiteID: f.Charging,
					Kind: booking.Charging, Date: tomorrow, Minute: minute})
			})
		}
		close(gate)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, booking.ErrFull):
				if e := apperr.As(err); e.Code != apperr.Conflict || !strings.Contains(e.Message, "已约满") {
					t.Errorf("racer %d: ErrFull = %+v", i, e)
				}
			default:
				t.Errorf("racer %d: %v, want nil or ErrFull", i, err)
			}
		}
		if ok != places {
			t.Fatalf("%d bookings succeeded, want exactly %d", ok, places)
		}
		booked := f.count(`SELECT booked FROM slot_usage WHERE site_id = $1 AND service_kind = 'charging' AND slot_minute = $2`, f.Charging, minute)
		open := f.count(`SELECT COUNT(*) FROM appointments WHERE site_id = $1 AND slot_minute = $2 AND status <> 'cancelled'`, f.Charging, minute)
		if booked != places || open != places {
			t.Fatalf("slot_usage.booked = %d, appointments = %d, want %d", booked, open, places)
		}
		if got := f.left(f.Charging, booking.Charging, tomorrow, minute); got != 0 {
			t.Errorf("Left = %d, want 0", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'book'`); n != places {
			t.Errorf("audit rows = %d, want %d", n, places)
		}
	})
}

// TestConcurrentSwapBatteriesNeverOversold races owners for swaps spread over
// many slots of one day: the station's charged batteries (3) bound the day.
func TestConcurrentSwapBatteriesNeverOversold(t *testing.T) {
	t.Parallel()
	const racers = 30
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const batteries = 3
		owners := make([]*identity.User, racers)
		vehicles := make([]int64, racers)
		for i := range racers {
			owners[i], _, vehicles[i] = f.newOwner("换电车主", f.SwapModel)
		}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-gate
				_, errs[i] = f.Svc.Book(ctx, owners[i], booking.BookInput{VehicleID: vehicles[i], SiteID: f.Swap,
					Kind: booking.Swap, Date: tomorrow, Minute: hm(8, 0) + 30*(i%10)})
			})
		}
		close(gate)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Errorf("racer %d: %v, want nil or a conflict", i, err)
			}
		}
		if ok != batteries {
			t.Fatalf("%d swaps succeeded, want exactly %d", ok, batteries)
		}
		day := f.count(`SELECT booked FROM swap_day_usage WHERE site_id = $1`, f.Swap)
		slots := f.count(`SELECT COALESCE(SUM(booked), 0) FROM slot_usage WHERE site_id = $1`, f.Swap)
		open := f.count(`SELECT COUNT(*) FROM appointments WHERE site_id = $1 AND status <> 'cancelled'`, f.Swap)
		if day != batteries || slots != batteries || open != batteries {
			t.Fatalf("swap_day_usage %d, slot_usage %d, appointments %d, want %d", day, slots, open, batteries)
		}
		mismatch := f.count(`SELECT COUNT(*) FROM slot_usage u WHERE u.site_id = $1 AND u.booked <> (SELECT COUNT(*) FROM appointments a
			WHERE a.site_id = u.site_id AND a.slot_date = u.slot_date AND a.slot_minute = u.slot_minute AND a.status <> 'cancelled')`, f.Swap)
		if mismatch != 0 {
			t.Errorf("%d slot_usage rows disagree with their appointments", mismatch)
		}
	})
}

// TestConcurrentRescheduleAndCancel crosses reschedules (X moves S1→S2 while
// Y moves S2→S1) and races a cancel against a reschedule of the same
// appointment, on many days at once: every call must end in success or a
// domain error, never a database deadlock, and the counters must match.
func TestConcurrentRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const days = 10
		var jobs []func() error
		for k := range days {
			date := time.Date(2026, 11, 21+k, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			ox, _, vx := f.newOwner("车主X", f.PlainModel)
			oy, _, vy := f.newOwner("车主Y", f.PlainModel)
			oz, _, vz := f.newOwner("车主Z", f.PlainModel)
			x := f.book(ox, f.repair(vx, date, hm(10, 0)))
			y := f.book(oy, f.repair(vy, date, hm(11, 0)))
			z := f.book(oz, f.repair(vz, date, hm(13, 0)))
			jobs = append(jobs,
				func() error { _, err := f.Svc.Reschedule(ctx, ox, x.ID, date, hm(11, 0)); return err },
				func() error { _, err := f.Svc.Reschedule(ctx, oy, y.ID, date, hm(10, 0)); return err },
				func() error { _, err := f.Svc.Reschedule(ctx, oz, z.ID, date, hm(12, 0)); return err },
				func() error { _, err := f.Svc.Cancel(ctx, oz, z.ID, "", ""); return err },
			)
		}
		errs := make([]error, len(jobs))
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i, run := range jobs {
			wg.Go(func() {
				<-gate
				errs[i] = run()
			})
		}
		close(gate)
		wg.Wait()
		for i, err := range errs {
			if err != nil && apperr.CodeOf(err) == apperr.Internal {
				t.Errorf("job %d: internal error %v", i, err)
			}
			if i%4 < 2 && err != nil {
				t.Errorf("crossing reschedule %d failed: %v", i, err)
			}
		}
		mismatch := f.count(`SELECT COUNT(*) FROM slot_usage u WHERE u.booked <> (SELECT COUNT(*) FROM appointments a
			WHERE a.site_id = u.site_id AND a.service_kind = u.service_kind AND a.slot_date = u.slot_date
			AND a.slot_minute = u.slot_minute AND a.status <> 'cancelled')`)
		if mismatch != 0 {
			t.Errorf("%d slot_usage rows disagree with their appointments", mismatch)
		}
	})
}

func TestStaffActOnMovedAppointment(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, f.repair(f.VehA, tomorrow, hm(10, 0)))
		// The owner moves it to another day while the staff member looks at tomorrow's queue.
		if _, err := f.Svc.Reschedule(ctx, f.OwnerA, a.ID, "2026-11-22", hm(10, 0)); err != nil {
			t.Fatal(err)
		}
		_, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Confirm, booking.ActionInput{Date: tomorrow})
		apperrtest.WantCode(t, err, apperr.Conflict)
		if r, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Confirm, booking.ActionInput{Date: "2026-11-22"}); err != nil || r.Status != booking.Confirmed {
			t.Fatalf("confirm on the right day: %v %v", r, err)
		}
	})
}

func TestNoShowReleasesSwapBattery(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(10, 0)})
		if n := f.count(`SELECT booked FROM swap_day_usage WHERE site_id = $1`, f.Swap); n != 1 {
			t.Fatalf("batteries promised = %d, want 1", n)
		}
		f.Clock.Set(a.ScheduledAt.Add(time.Minute))
		if _, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.MarkNoShow, booking.ActionInput{Date: tomorrow}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT booked FROM swap_day_usage WHERE site_id = $1`, f.Swap); n != 0 {
			t.Fatalf("batteries promised after the no-show = %d, want 0", n)
		}
		// The slot's place stays counted: the slot has passed.
		if n := f.count(`SELECT booked FROM slot_usage WHERE site_id = $1`, f.Swap); n != 1 {
			t.Fatalf("slot places after the no-show = %d, want 1", n)
		}
	})
}
