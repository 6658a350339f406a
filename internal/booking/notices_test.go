package booking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// inbox returns u's notifications, newest first.
func (f *fixture) inbox(u *identity.User) []*notify.Notification {
	f.t.Helper()
	p, err := notify.NewService(f.DB, f.Clock.Now).List(f.ctx, u, notify.Filter{Limit: notify.MaxLimit})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Items
}

// inboxes counts the notifications of each user.
func (f *fixture) inboxes(us ...*identity.User) []int {
	f.t.Helper()
	var out []int
	for _, u := range us {
		out = append(out, len(f.inbox(u)))
	}
	return out
}

// wantNotice checks u's newest notification.
func (f *fixture) wantNotice(u *identity.User, kind notify.Kind, title, link string, body ...string) {
	f.t.Helper()
	in := f.inbox(u)
	if len(in) == 0 {
		f.t.Fatalf("%s has no notification, want %s", u.DisplayName, kind)
	}
	n := in[0]
	if n.Kind != kind || n.Title != title || n.Link != link || !n.Unread() || !n.CreatedAt.Equal(f.Clock.Now().UTC()) {
		f.t.Fatalf("%s's newest notification: %+v\nwant %s %q link %q at %v", u.DisplayName, n, kind, title, link, f.Clock.Now().UTC())
	}
	for _, b := range body {
		if !strings.Contains(n.Body, b) {
			f.t.Fatalf("%s's notification body %q lacks %q", u.DisplayName, n.Body, b)
		}
	}
}

// TestOwnerNotifiedOfStaffActions: each staff step on an appointment puts
// one notification in its owner's inbox, in the step's transaction.
func TestOwnerNotifiedOfStaffActions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(10, 0)})
		link := fmt.Sprintf("/owner/appointments/%d", a.ID)
		if n := f.inboxes(f.OwnerA, f.ServiceA, f.ServiceA2); n[0]+n[1]+n[2] != 0 {
			t.Fatalf("a swap booking notified %v (owner, staff, staff)", n)
		}

		// Refused actions notify nobody.
		_, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Start, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = f.Svc.Act(ctx, f.ServiceB, a.ID, booking.Confirm, booking.ActionInput{})
		apperrtest.WantCode(t, err, apperr.NotFound)

		// An action that fails after the notification was written (here the
		// audit entry of an actor with no account) leaves none behind: they
		// share the transaction.
		ghost := &identity.User{ID: 1 << 40, Role: identity.RoleService, SiteID: f.Center, DisplayName: "不存在的员工"}
		if _, err := f.Svc.Act(ctx, ghost, a.ID, booking.Confirm, booking.ActionInput{}); err == nil {
			t.Fatal("confirm by an actor without an account succeeded")
		}
		if got := f.inbox(f.OwnerA); len(got) != 0 {
			t.Fatalf("failed confirm left %d notifications: %+v", len(got), got[0])
		}
		if r, _ := f.Svc.Get(ctx, f.OwnerA, a.ID); r.Status != booking.Booked {
			t.Fatalf("failed confirm changed the status to %s", r.Status)
		}

		f.Clock.Advance(time.Minute)
		if _, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Confirm, booking.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.OwnerA, notify.AppointmentConfirmed, "预约已确认", link, "张江换电站", a.When(), "换电")

		// Assigning a technician tells the owner nothing new.
		if _, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Assign, booking.ActionInput{TechnicianID: f.ServiceA2.ID}); err != nil {
			t.Fatal(err)
		}
		if n := len(f.inbox(f.OwnerA)); n != 1 {
			t.Fatalf("after assign the owner has %d notifications, want 1", n)
		}

		f.Clock.Set(a.ScheduledAt.Add(-time.Hour))
		if _, err := f.Svc.Act(ctx, f.Admin, a.ID, booking.Start, booking.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.OwnerA, notify.AppointmentStarted, "服务已开始", link, "启航 ES6")
		_, err = f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Complete, booking.ActionInput{})
		apperrtest.WantField(t, err, "result")
		f.Clock.Advance(10 * time.Minute)
		if _, err := f.Svc.Act(ctx, f.ServiceA, a.ID, booking.Complete, booking.ActionInput{Result: "已换电，电池健康"}); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.OwnerA, notify.AppointmentCompleted, "服务已完成", link, "已换电，电池健康")
		if n := f.inboxes(f.OwnerA, f.OwnerB, f.ServiceA, f.ServiceA2, f.Admin); fmt.Sprint(n) != "[3 0 0 0 0]" {
			t.Fatalf("inboxes (owner A, owner B, staff, staff, admin) = %v, want [3 0 0 0 0]", n)
		}

		// Staff cancel: the owner learns the reason.
		b := f.book(f.OwnerB, booking.BookInput{VehicleID: f.VehB, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(12, 0)})
		_, err = f.Svc.Cancel(ctx, f.ServiceA, b.ID, "", "")
		apperrtest.WantField(t, err, "reason")
		if _, err := f.Svc.Cancel(ctx, f.ServiceA, b.ID, "换电设备检修", ""); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.OwnerB, notify.AppointmentCancelled, "预约已被网点取消", fmt.Sprintf("/owner/appointments/%d", b.ID), "换电设备检修")

		// No-show, after the slot began.
		c := f.book(f.OwnerB, booking.BookInput{VehicleID: f.VehB, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(13, 0)})
		f.Clock.Set(c.ScheduledAt.Add(5 * time.Minute))
		if _, err := f.Svc.Act(ctx, f.ServiceA, c.ID, booking.MarkNoShow, booking.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.OwnerB, notify.AppointmentNoShow, "预约已标记为未到店", fmt.Sprintf("/owner/appointments/%d", c.ID), "未到店")
		if n := f.inboxes(f.OwnerB); n[0] != 2 {
			t.Fatalf("owner B has %d notifications, want 2", n[0])
		}
	})
}

// TestStaffNotifiedOfOwnerChanges: an owner's booking, cancel or reschedule
// of a repair notifies each service user of the center, nobody else; swap
// and charging bookings notify nobody.
func TestStaffNotifiedOfOwnerChanges(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		staff := func() string {
			return fmt.Sprint(f.inboxes(f.ServiceA, f.ServiceA2, f.ServiceB, f.Admin, f.Sales, f.OwnerA))
		}

		a := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: booking.Repair, Date: tomorrow, Minute: hm(10, 0), Note: "空调异味"})
		if got := staff(); got != "[1 1 0 0 0 0]" {
			t.Fatalf("after a repair booking, inboxes (svc A, tech A, svc B, admin, sales, owner) = %s", got)
		}
		link := fmt.Sprintf("/service/appointments/%d", a.ID)
		for _, u := range []*identity.User{f.ServiceA, f.ServiceA2} {
			f.wantNotice(u, notify.AppointmentBooked, "新的维修保养预约", link, "车主甲", "沪A", a.When(), "浦东服务中心", "空调异味")
		}

		// A refused booking notifies nobody (the slot has two places).
		f.book(f.OwnerB, f.repair(f.VehB, tomorrow, hm(11, 0)))
		third, _, thirdVeh := f.newOwner("车主丙", f.PlainModel)
		f.book(third, f.repair(thirdVeh, tomorrow, hm(11, 0)))
		if got := staff(); got != "[3 3 0 0 0 0]" {
			t.Fatalf("after three repair bookings: %s", got)
		}
		_, err := f.Svc.Book(ctx, f.OwnerA, f.repair(f.VehA2, tomorrow, hm(11, 0)))
		apperrtest.WantCode(t, err, apperr.Conflict)
		if got := staff(); got != "[3 3 0 0 0 0]" {
			t.Fatalf("a refused booking notified: %s", got)
		}

		// Swap and charging bookings notify nobody.
		sw := f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Swap, Kind: booking.Swap, Date: tomorrow, Minute: hm(9, 0)})
		f.book(f.OwnerA, booking.BookInput{VehicleID: f.VehA2, SiteID: f.Charging, Kind: booking.Charging, Date: tomorrow, Minute: hm(9, 0)})
		if _, err := f.Svc.Reschedule(ctx, f.OwnerA, sw.ID, tomorrow, hm(9, 30)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Cancel(ctx, f.OwnerA, sw.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		if got := staff(); got != "[3 3 0 0 0 0]" {
			t.Fatalf("swap and charging bookings, a swap's reschedule and cancel notified: %s", got)
		}

		// Reschedule: the same detail panel (it shows the new day's queue), with both times.
		f.Clock.Advance(time.Minute)
		moved, err := f.Svc.Reschedule(ctx, f.OwnerA, a.ID, "2026-11-23", hm(15, 0))
		if err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.ServiceA, notify.AppointmentRescheduled, "车主改约了维修保养预约", link, a.When(), moved.When())

		// Owner cancel.
		f.Clock.Advance(time.Minute)
		if _, err := f.Svc.Cancel(ctx, f.OwnerA, a.ID, "临时出差", ""); err != nil {
			t.Fatal(err)
		}
		f.wantNotice(f.ServiceA2, notify.AppointmentCancelled, "车主取消了维修保养预约", link, "临时出差", moved.When())
		if got := staff(); got != "[5 5 0 0 0 0]" {
			t.Fatalf("after reschedule and cancel: %s", got)
		}
		// A refused cancel (already cancelled) notifies nobody.
		_, err = f.Svc.Cancel(ctx, f.OwnerA, a.ID, "", "")
		apperrtest.WantCode(t, err, apperr.Conflict)
		if got := staff(); got != "[5 5 0 0 0 0]" {
			t.Fatalf("a refused cancel notified: %s", got)
		}
	})
}
