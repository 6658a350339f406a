package booking

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Ref is the appointment's reference number as the owner quotes it on the
// phone and the site finds it: "YY" + the booking day + the id, such as
// YY20261129-000123.
func (a *Appointment) Ref() string {
	return fmt.Sprintf("YY%s-%06d", a.CreatedAt.In(site.Shanghai).Format("20060102"), a.ID)
}

// OwnerLink is the owner's detail page of the appointment.
func (a *Appointment) OwnerLink() string { return fmt.Sprintf("/owner/appointments/%d", a.ID) }

// Step is one entry of an appointment's status timeline.
type Step struct {
	At     time.Time // zero: not reached (yet)
	Label  string
	Detail string
	Status Status // the status the step leads to ("" for a reschedule)
	Done   bool
}

// Timeline returns appointment id's status timeline, oldest first: booked,
// each reschedule, confirmed, started, completed or cancelled or no-show,
// and the steps still ahead of an open appointment (not done). Whoever may
// see the appointment may call it (as Get: NotFound otherwise).
func (s *Service) Timeline(ctx context.Context, actor *identity.User, id int64) ([]Step, error) {
	a, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var confirmed, started, completed, cancelled sql.NullTime
	if err := s.db.QueryRowContext(ctx, `SELECT confirmed_at, started_at, completed_at, cancelled_at FROM appointments WHERE id = $1`, id).
		Scan(&confirmed, &started, &completed, &cancelled); err != nil {
		return nil, err
	}
	steps := []Step{{At: a.CreatedAt, Label: "已预约", Detail: "预约提交成功", Status: Booked, Done: true}}
	events, err := audit.History(ctx, s.db, "appointments", id, 50)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Action != "reschedule" {
			continue
		}
		from, _ := e.Detail["from"].(string)
		steps = append(steps, Step{At: e.At, Label: "已改约", Detail: "原时间 " + from, Done: true})
	}
	add := func(t sql.NullTime, label, detail string, st Status) {
		if t.Valid {
			steps = append(steps, Step{At: t.Time, Label: label, Detail: detail, Status: st, Done: true})
		}
	}
	add(confirmed, "网点已确认", "", Confirmed)
	add(started, "服务开始", "", InProgress)
	switch a.Status {
	case Completed:
		add(completed, "服务完成", a.Result, Completed)
	case Cancelled:
		add(cancelled, "已取消", a.CancelReason, Cancelled)
	case NoShow:
		at := a.UpdatedAt
		steps = append(steps, Step{At: at, Label: "未到店", Detail: "预约时段内未到店，预约已关闭", Status: NoShow, Done: true})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At.Before(steps[j].At) })
	// What is still ahead of an open appointment.
	if a.Status == Booked {
		steps = append(steps, Step{Label: "网点确认", Status: Confirmed})
	}
	if a.Status == Booked || a.Status == Confirmed {
		steps = append(steps, Step{Label: "到店服务", Detail: a.When(), Status: InProgress})
	}
	if a.Status.Open() || a.Status == InProgress {
		steps = append(steps, Step{Label: "服务完成", Status: Completed})
	}
	return steps, nil
}
