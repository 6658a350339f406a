package booking_test

import (
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/booking"
)

// TestWhy: each staff action's reason as the queue's panel shows it and
// Act refuses with it, at times around the slot's start.
func TestWhy(t *testing.T) {
	t.Parallel()
	slot := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	at := func(s booking.Status) *booking.Appointment { return &booking.Appointment{Status: s, ScheduledAt: slot} }
	early, window, late := slot.Add(-3*time.Hour), slot.Add(-time.Hour), slot.Add(time.Minute)
	cases := []struct {
		a      *booking.Appointment
		action string
		now    time.Time
		want   string
	}{
		{at(booking.Booked), "confirm", early, ""},
		{at(booking.Confirmed), "confirm", early, "预约已确认"},
		{at(booking.Booked), "start", window, "请先确认预约，确认后才能开始服务"},
		{at(booking.Confirmed), "start", early, "开始服务可在预约前 2 小时内进行（08:00 起）"},
		{at(booking.Confirmed), "start", window, ""},
		{at(booking.InProgress), "start", late, "服务已开始"},
		{at(booking.Confirmed), "complete", late, "开始服务后才能完成"},
		{at(booking.InProgress), "complete", late, ""},
		{at(booking.Confirmed), "no-show", window, "时段开始（10:00）后才能标记未到店"},
		{at(booking.Booked), "no-show", late, ""},
		{at(booking.InProgress), "no-show", late, "服务已开始，不能标记未到店"},
		{at(booking.Booked), "cancel", late, ""},
		{at(booking.InProgress), "cancel", late, "服务已开始，不能取消"},
		{at(booking.InProgress), "assign", late, ""},
		{at(booking.Cancelled), "assign", early, "预约当前为「已取消」，不能再操作"},
		{at(booking.Booked), "delete", early, "未知操作"},
	}
	for _, c := range cases {
		if got := c.a.Why(c.action, c.now); got != c.want {
			t.Errorf("%s %s at %s: %q, want %q", c.a.Status, c.action, c.now.Format(time.Kitchen), got, c.want)
		}
	}
	if got := at(booking.Completed).StaffActions(late); got != nil {
		t.Errorf("a completed appointment offers %v", got)
	}
	if got := at(booking.Confirmed).NextAction(window); got.Name != "start" {
		t.Errorf("next action of a confirmed appointment in its start window: %+v", got)
	}
	if got := at(booking.Confirmed).NextAction(early); got.Name != "" {
		t.Errorf("next action of a confirmed appointment before its start window: %+v", got)
	}
}
