package booking

import (
	"context"
	"slices"
	"time"

	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// CancelAction names the staff cancellation among the staff actions (it is
// not an Action: Cancel carries a reason and releases the place).
const CancelAction = "cancel"

// actionLabels are the buttons of the staff actions, in the order of the
// appointment's life.
var actionLabels = []struct{ name, label string }{
	{string(Confirm), "确认预约"},
	{string(Assign), "派工"},
	{string(Start), "开始服务"},
	{string(Complete), "完成服务"},
	{string(MarkNoShow), "标记未到店"},
	{CancelAction, "取消预约"},
}

// localClock is t as "15:04" in Asia/Shanghai.
func localClock(t time.Time) string { return t.In(site.Shanghai).Format("15:04") }

// Why says why service staff cannot take the staff action name (an Action
// or CancelAction) on a at now, or "" when they can. Act and Cancel refuse
// with the same words, so a page that shows the reason beside a disabled
// button and the service that refuses the request never disagree.
func (a *Appointment) Why(name string, now time.Time) string {
	switch a.Status {
	case Completed, Cancelled, NoShow:
		return "预约当前为「" + a.Status.Label() + "」，不能再操作"
	}
	switch name {
	case string(Confirm):
		if a.Status != Booked {
			return "预约已确认"
		}
	case string(Assign):
		// Any open or in-progress appointment.
	case string(Start):
		switch {
		case a.Status == Booked:
			return "请先确认预约，确认后才能开始服务"
		case a.Status == InProgress:
			return "服务已开始"
		case now.Before(a.ScheduledAt.Add(-StartWindow)):
			return "开始服务可在预约前 2 小时内进行（" + localClock(a.ScheduledAt.Add(-StartWindow)) + " 起）"
		}
	case string(Complete):
		if a.Status != InProgress {
			return "开始服务后才能完成"
		}
	case string(MarkNoShow):
		switch {
		case a.Status == InProgress:
			return "服务已开始，不能标记未到店"
		case now.Before(a.ScheduledAt):
			return "时段开始（" + localClock(a.ScheduledAt) + "）后才能标记未到店"
		}
	case CancelAction:
		if a.Status == InProgress {
			return "服务已开始，不能取消"
		}
	default:
		return "未知操作"
	}
	return ""
}

// ActionState is one staff action on an appointment as the detail panel
// shows it: its name, its button and, when it cannot be taken yet, why.
type ActionState struct {
	Name  string
	Label string
	Why   string
}

// Available reports whether the action can be taken now.
func (s ActionState) Available() bool { return s.Why == "" }

// StaffActions returns every staff action on a at now with its reason when
// unavailable, in the order of the appointment's life; none for a closed
// appointment (Why of any action then says it is closed).
func (a *Appointment) StaffActions(now time.Time) []ActionState {
	if !a.Status.Open() && a.Status != InProgress {
		return nil
	}
	out := make([]ActionState, 0, len(actionLabels))
	for _, x := range actionLabels {
		out = append(out, ActionState{Name: x.name, Label: x.label, Why: a.Why(x.name, now)})
	}
	return out
}

// NextAction is the one step the queue offers in the appointment's row
// (confirm, or start once the start window is open), or the zero value
// when the next step needs the detail panel (a result, a reason) or
// waits.
func (a *Appointment) NextAction(now time.Time) ActionState {
	for _, name := range []string{string(Confirm), string(Start)} {
		if a.Why(name, now) == "" {
			for _, x := range actionLabels {
				if x.name == name {
					return ActionState{Name: name, Label: x.label}
				}
			}
		}
	}
	return ActionState{}
}

// staffSteps maps audited staff actions to the history labels of the
// detail panel.
var staffSteps = map[string]string{
	"book": "已预约", "confirm": "网点已确认", "assign": "已派工", "start": "服务开始", "complete": "服务完成",
	"cancel": "已取消", "no-show": "未到店", "reschedule": "已改约",
}

// HistoryEntry is one line of an appointment's history for staff.
type HistoryEntry struct {
	At     time.Time
	Label  string
	Detail string
	By     string // who did it, when recorded
}

// History returns appointment id's history for service staff, oldest
// first: every audited step with who took it (an assignment names the
// technician and bay), and, for appointments whose steps were not audited
// (imported or generated), the timeline from the appointment's own times.
// Staff in scope and admins may call it; NotFound otherwise (as Get).
func (s *Service) History(ctx context.Context, actor *identity.User, id int64) ([]HistoryEntry, error) {
	steps, err := s.Timeline(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	events, err := audit.History(ctx, s.db, "appointments", id, 100)
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	seen := map[string]bool{}
	for i := len(events) - 1; i >= 0; i-- { // oldest first
		e := events[i]
		label, ok := staffSteps[e.Action]
		if !ok {
			continue
		}
		seen[e.Action] = true
		h := HistoryEntry{At: e.At, Label: label, By: e.UserName}
		switch e.Action {
		case "assign":
			name, _ := e.Detail["technician"].(string)
			bay, _ := e.Detail["bay"].(string)
			if name == "" {
				name = "技师"
			}
			h.Detail = name
			if bay != "" {
				h.Detail += " · 工位 " + bay
			}
		case "cancel":
			h.Detail, _ = e.Detail["reason"].(string)
		case "reschedule":
			from, _ := e.Detail["from"].(string)
			h.Detail = "原时间 " + from
		case "complete":
			h.Detail, _ = e.Detail["result"].(string)
		}
		out = append(out, h)
	}
	// Steps the audit does not hold, from the appointment's own times.
	byStatus := map[Status]string{Booked: "book", Confirmed: "confirm", InProgress: "start", Completed: "complete", Cancelled: "cancel", NoShow: "no-show"}
	for _, st := range steps {
		if !st.Done || st.Status == "" || seen[byStatus[st.Status]] {
			continue
		}
		out = append(out, HistoryEntry{At: st.At, Label: st.Label, Detail: st.Detail})
	}
	slices.SortStableFunc(out, func(x, y HistoryEntry) int { return x.At.Compare(y.At) })
	return out, nil
}
