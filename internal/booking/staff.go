package booking

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// Action is a step service staff take on an appointment.
type Action string

// Staff actions.
const (
	Confirm    Action = "confirm"
	Assign     Action = "assign"
	Start      Action = "start"
	Complete   Action = "complete"
	MarkNoShow Action = "no-show"
)

// ParseAction returns the action named s, or false. "cancel" is not an
// Action: use Cancel.
func ParseAction(s string) (Action, bool) {
	for _, a := range []Action{Confirm, Assign, Start, Complete, MarkNoShow} {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}

// ActionInput carries the fields some actions need.
type ActionInput struct {
	// Date is the slot date ("2006-01-02") the staff member saw, when known;
	// an appointment the owner has since moved to another day is refused.
	Date         string
	TechnicianID int64  // assign
	Bay          string // assign
	Result       string // complete
	Reason       string // cancel (StaffAction)
}

// transitions maps an action to the status it leads to ("" keeps the
// status); the statuses it starts from are Why's rules.
var transitions = map[Action]Status{
	Confirm:    Confirmed,
	Assign:     "",
	Start:      InProgress,
	Complete:   Completed,
	MarkNoShow: NoShow,
}

// checkSeen refuses an action on a when the caller saw it on another date
// (the owner has moved it since); an empty date skips the check.
func checkSeen(a *Appointment, date string) error {
	if date != "" && date != a.Date() {
		return apperr.New(apperr.Conflict, "车主已将该预约改到 "+a.Date()+"，请刷新后再操作")
	}
	return nil
}

// StaffAction applies the staff action named name ("cancel" or an Action
// such as "confirm") to appointment id, as Cancel and Act do; in.Reason is
// the cancel reason. An unknown name is NotFound.
func (s *Service) StaffAction(ctx context.Context, actor *identity.User, id int64, name string, in ActionInput) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if name == "cancel" {
		return s.Cancel(ctx, actor, id, in.Reason, in.Date)
	}
	action, ok := ParseAction(name)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "未知操作")
	}
	return s.Act(ctx, actor, id, action, in)
}

// Act applies a staff action to appointment id. Only service staff of the
// appointment's center (or an admin) may act; the status machine is enforced
// with a conditional UPDATE so a concurrent change is detected.
func (s *Service) Act(ctx context.Context, actor *identity.User, id int64, action Action, in ActionInput) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有服务顾问可以处理预约")
	}
	to, ok := transitions[action]
	if !ok {
		return nil, apperr.New(apperr.Invalid, "未知操作")
	}
	in.Bay = strings.TrimSpace(in.Bay)
	in.Result = strings.TrimSpace(in.Result)
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var techName string
		a, parent, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(actor, a, parent) {
			return apperr.New(apperr.NotFound, "预约不存在")
		}
		if err := checkSeen(a, in.Date); err != nil {
			return err
		}
		if why := a.Why(string(action), now); why != "" {
			return apperr.New(apperr.Conflict, why)
		}
		set, args := "", []any{}
		switch action {
		case Confirm:
			set = "confirmed_at = $1"
			args = append(args, now)
		case Start:
			set = "started_at = $1"
			args = append(args, now)
		case Complete:
			if in.Result == "" {
				return apperr.Field("result", "请填写服务结果")
			}
			if utf8.RuneCountInString(in.Result) > maxResult {
				return apperr.Field("result", fmt.Sprintf("服务结果不能超过 %d 个字", maxResult))
			}
			for _, rule := range s.beforeComplete {
				if err := rule(ctx, tx, a); err != nil {
					return err
				}
			}
			set = "completed_at = $1, result = $2"
			args = append(args, now, in.Result)
		case Assign:
			if utf8.RuneCountInString(in.Bay) > maxBay {
				return apperr.Field("bay", fmt.Sprintf("工位不能超过 %d 个字", maxBay))
			}
			center := a.SiteID
			if parent != 0 {
				center = parent
			}
			if in.TechnicianID == 0 {
				return apperr.Field("technician_id", "请选择技师")
			}
			err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = $1 AND role = 'service' AND active = $2 AND site_id = $3`,
				in.TechnicianID, true, center).Scan(&techName)
			if db.NoRows(err) {
				return apperr.Field("technician_id", "请选择本服务中心的技师")
			}
			if err != nil {
				return err
			}
			set = "technician_user_id = $1, bay = $2"
			args = append(args, in.TechnicianID, in.Bay)
		}
		status := to
		if status == "" {
			status = a.Status
		}
		n := len(args)
		if set != "" {
			set += ", "
		}
		// The reschedule count pins the slot the staff member saw: an
		// appointment the owner has just moved is reported as changed.
		args = append(args, string(status), now, id, string(a.Status), a.RescheduleCount)
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE appointments SET %sstatus = $%d, updated_at = $%d
			WHERE id = $%d AND status = $%d AND reschedule_count = $%d`, set, n+1, n+2, n+3, n+4, n+5), args...)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errChanged
		}
		if action == Complete && a.Kind == Swap {
			// The car leaves with one of the station's charged packs.
			reason := "换电 " + a.Ref()
			if a.Plate != "" {
				reason += " " + a.Plate
			}
			if _, err := inventory.ConsumeForSwap(ctx, tx, a.SiteID, id, actor.ID, reason, now); err != nil {
				return err
			}
		}
		if action == MarkNoShow && a.Kind == Swap {
			// The battery promised to a no-show can go to a later slot that day.
			if err := releaseBattery(ctx, tx, a.SiteID, a.SlotDate); err != nil {
				return err
			}
		}
		if err := notifyOwnerOfAction(ctx, tx, a, action, in.Result, now); err != nil {
			return err
		}
		detail := map[string]any{"from": a.Status, "to": status}
		switch action {
		case Assign:
			detail["technician_id"], detail["technician"], detail["bay"] = in.TechnicianID, techName, in.Bay
		case Complete:
			detail["result"] = in.Result
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: string(action), Entity: "appointments", EntityID: id, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
