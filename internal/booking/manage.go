package booking

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

const apptColumns = `a.id, a.customer_id, c.name, c.mobile, COALESCE(a.vehicle_id, 0), COALESCE(m.name, ''), COALESCE(v.plate, ''),
	a.site_id, st.name, st.address, a.service_kind, a.slot_date, a.slot_minute, st.slot_minutes, a.scheduled_at, a.status, a.note,
	COALESCE(a.technician_user_id, 0), COALESCE(t.display_name, ''), a.bay, a.result, a.cancel_reason, a.reschedule_count,
	a.created_at, a.updated_at`

const apptFrom = ` FROM appointments a
	JOIN customers c ON c.id = a.customer_id
	JOIN sites st ON st.id = a.site_id
	LEFT JOIN vehicles v ON v.id = a.vehicle_id
	LEFT JOIN vehicle_models m ON m.id = v.model_id
	LEFT JOIN users t ON t.id = a.technician_user_id `

func scanAppt(row interface{ Scan(...any) error }, extra ...any) (*Appointment, error) {
	var a Appointment
	dest := append([]any{&a.ID, &a.CustomerID, &a.CustomerName, &a.CustomerMobile, &a.VehicleID, &a.VehicleName, &a.Plate,
		&a.SiteID, &a.SiteName, &a.SiteAddress, &a.Kind, &a.SlotDate, &a.SlotMinute, &a.SlotMinutes, &a.ScheduledAt, &a.Status, &a.Note,
		&a.TechnicianID, &a.TechnicianName, &a.Bay, &a.Result, &a.CancelReason, &a.RescheduleCount, &a.CreatedAt, &a.UpdatedAt}, extra...)
	err := row.Scan(dest...)
	return &a, err
}

func (s *Service) query(ctx context.Context, where string, args ...any) ([]*Appointment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apptColumns+apptFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Appointment
	for rows.Next() {
		a, err := scanAppt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// staffScope is the condition on appointments a that limits service staff
// to their own center and the stations it is responsible for. It names the
// sites by a.site_id (not st.id OR st.parent_id on the joined site) so that
// a day's queue is read through the index on (site_id, slot_date): only the
// center's appointments of the day, not every appointment of that day in
// the country (on 1,000,000 customers, 70 rows instead of 4,000; see
// docs/测试说明.md, BenchmarkServiceQueueBusiest).
const staffScope = `a.site_id IN (SELECT id FROM sites WHERE id = $%d OR parent_id = $%d)`

// canSee reports whether actor may see a: the owner's own, service staff in
// scope, or an admin.
func canSee(actor *identity.User, a *Appointment, siteParent int64) bool {
	switch {
	case actor.Is(identity.RoleAdmin):
		return true
	case actor.Is(identity.RoleOwner):
		return actor.CustomerID != 0 && a.CustomerID == actor.CustomerID
	case actor.Is(identity.RoleService):
		return actor.SiteID != 0 && (a.SiteID == actor.SiteID || siteParent == actor.SiteID)
	}
	return false
}

// Get returns appointment id if actor may see it; otherwise NotFound, so that
// ids of others cannot be probed.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	a, parent, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, a, parent) {
		return nil, apperr.New(apperr.NotFound, "预约不存在")
	}
	maskFor(actor, a)
	return a, nil
}

// maskFor hides the customers' mobiles in as unless actor is their owner:
// staff see "138****5678" (PIPL: personal data minimised).
func maskFor(actor *identity.User, as ...*Appointment) {
	for _, a := range as {
		if !actor.Is(identity.RoleOwner) || a.CustomerID != actor.CustomerID {
			a.CustomerMobile = identity.MaskMobile(a.CustomerMobile)
		}
	}
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64) (*Appointment, int64, error) {
	var parent int64
	a, err := scanAppt(q.QueryRowContext(ctx, `SELECT `+apptColumns+`, COALESCE(st.parent_id, 0)`+apptFrom+`WHERE a.id = $1`, id), &parent)
	if db.NoRows(err) {
		return nil, 0, apperr.New(apperr.NotFound, "预约不存在")
	}
	if err != nil {
		return nil, 0, err
	}
	return a, parent, nil
}

// Mine returns the acting owner's upcoming (open or in progress, soonest
// first) and past appointments (newest first), at most limit of each. Only
// an owner may call it (Forbidden otherwise).
func (s *Service) Mine(ctx context.Context, actor *identity.User, limit int) (upcoming, past []*Appointment, err error) {
	upcoming, err = s.Upcoming(ctx, actor, limit)
	if err != nil {
		return nil, nil, err
	}
	past, err = s.query(ctx, `WHERE a.customer_id = $1 AND a.status IN ('completed', 'cancelled', 'no_show')
		ORDER BY a.scheduled_at DESC LIMIT $2`, actor.CustomerID, limit)
	return upcoming, past, err
}

// Upcoming returns the acting owner's open or in-progress appointments
// whose slot starts from a day ago on, soonest first, at most limit (the
// owner's dashboard needs no more; an open one older than that waits for
// staff to close it and shows under 我的预约). The time bound lets the
// index on (customer_id, scheduled_at) skip the owner's history. Only an
// owner may call it (Forbidden otherwise).
func (s *Service) Upcoming(ctx context.Context, actor *identity.User, limit int) ([]*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以查看自己的预约")
	}
	return s.query(ctx, upcoming, actor.CustomerID, s.now().Add(-24*time.Hour), limit)
}

// upcoming selects an owner's ($1) open appointments from $2 on, soonest
// first, at most $3 (Upcoming and Next).
const upcoming = `WHERE a.customer_id = $1 AND a.scheduled_at >= $2 AND a.status IN ('booked', 'confirmed', 'in_progress')
	ORDER BY a.scheduled_at LIMIT $3`

// Next is Upcoming for a summary, such as the owner's home: the same
// appointments in the same order, but each carries only its ID, vehicle
// (ID, name, plate), site (ID, name), kind, slot (date, minute, length) and
// status; the other fields are zero. It reads three tables instead of six
// and no timestamps, on the page every owner opens first. Only an owner
// may call it (Forbidden otherwise).
func (s *Service) Next(ctx context.Context, actor *identity.User, limit int) ([]*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以查看自己的预约")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(a.vehicle_id, 0), COALESCE(m.name, ''), COALESCE(v.plate, ''),
		a.site_id, st.name, a.service_kind, a.slot_date, a.slot_minute, st.slot_minutes, a.status
		FROM appointments a
		JOIN sites st ON st.id = a.site_id
		LEFT JOIN vehicles v ON v.id = a.vehicle_id
		LEFT JOIN vehicle_models m ON m.id = v.model_id `+upcoming, actor.CustomerID, s.now().Add(-24*time.Hour), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Appointment
	for rows.Next() {
		a := &Appointment{CustomerID: actor.CustomerID}
		if err := rows.Scan(&a.ID, &a.VehicleID, &a.VehicleName, &a.Plate, &a.SiteID, &a.SiteName, &a.Kind,
			&a.SlotDate, &a.SlotMinute, &a.SlotMinutes, &a.Status); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Queue returns the appointments of a local date ("2006-01-02") at a
// service center and the stations it is responsible for, in slot order;
// date "" means today. A service user sees their own center: center is 0
// or theirs, another center is Forbidden. An admin names the center (one
// that is not a service center is Invalid naming site_id); center 0 gives
// every site's appointments, at most 500 (the JSON API's all-centers list;
// the queue page shows a summary per center instead). Customers' mobiles
// are masked. A bad date is Invalid; other roles are Forbidden.
func (s *Service) Queue(ctx context.Context, actor *identity.User, date string, center int64) ([]*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	switch {
	case actor.Is(identity.RoleService) && actor.SiteID != 0:
		if center != 0 && center != actor.SiteID {
			return nil, apperr.New(apperr.Forbidden, "只能查看本服务中心的预约队列")
		}
		center = actor.SiteID
	case actor.Is(identity.RoleAdmin):
	default:
		return nil, apperr.New(apperr.Forbidden, "只有服务顾问可以查看预约队列")
	}
	d, ok := ParseDate(s.DateOr(date))
	if !ok {
		return nil, apperr.Field("date", "请选择有效的日期，例如 "+s.Today())
	}
	var list []*Appointment
	var err error
	if center != 0 {
		if actor.Is(identity.RoleAdmin) {
			var kind string
			err := s.db.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, center).Scan(&kind)
			if err != nil && !db.NoRows(err) {
				return nil, err
			}
			if err != nil || kind != "service_center" {
				return nil, apperr.Field("site_id", "请选择一个服务中心")
			}
		}
		list, err = s.query(ctx, `WHERE a.slot_date = $1 AND `+fmt.Sprintf(staffScope, 2, 2)+` ORDER BY a.slot_minute, st.name, a.id LIMIT 500`, d, center)
	} else {
		list, err = s.query(ctx, `WHERE a.slot_date = $1 ORDER BY a.slot_minute, st.name, a.id LIMIT 500`, d)
	}
	maskFor(actor, list...)
	return list, err
}

// Technician is a service user who can be assigned to an appointment.
type Technician struct {
	ID   int64
	Name string
}

// Technicians returns the active service users of the acting user's center.
func (s *Service) Technicians(ctx context.Context, actor *identity.User) ([]Technician, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService) || actor.SiteID == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name FROM users WHERE role = 'service' AND site_id = $1 AND active = $2 ORDER BY display_name, id`,
		actor.SiteID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Technician
	for rows.Next() {
		var t Technician
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// errChanged is returned when the appointment moved on since it was read.
var errChanged = apperr.New(apperr.Conflict, "预约状态已变化，请刷新后重试")

// Cancel cancels an open appointment and releases its place. Owners may
// cancel their own until ChangeCutoff before the start; service staff in
// scope may cancel any open one, giving a reason. date, when not empty, is
// the slot date the caller saw ("2006-01-02"): an appointment moved to
// another day since is refused with a Conflict.
func (s *Service) Cancel(ctx context.Context, actor *identity.User, id int64, reason, date string) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return nil, apperr.Field("reason", fmt.Sprintf("取消原因不能超过 %d 个字", maxReason))
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		a, parent, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(actor, a, parent) {
			return apperr.New(apperr.NotFound, "预约不存在")
		}
		if err := checkSeen(a, date); err != nil {
			return err
		}
		if actor.Is(identity.RoleOwner) {
			if !a.Status.Open() {
				return apperr.New(apperr.Conflict, "当前状态（"+a.Status.Label()+"）不能取消")
			}
			if !a.OwnerCanChange(now) {
				return apperr.New(apperr.Conflict, "距预约开始不足 2 小时，无法在线取消，请致电网点")
			}
		} else {
			if why := a.Why(CancelAction, now); why != "" {
				return apperr.New(apperr.Conflict, why)
			}
			if reason == "" {
				return apperr.Field("reason", "请填写取消原因")
			}
		}
		// The reschedule count pins the slot read above: a concurrent
		// reschedule makes this a conflict instead of releasing the wrong slot.
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'cancelled', cancel_reason = $1, cancelled_at = $2, updated_at = $2
			WHERE id = $3 AND status IN ('booked', 'confirmed') AND reschedule_count = $4`, reason, now, id, a.RescheduleCount)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if err := release(ctx, tx, a); err != nil {
			return err
		}
		if actor.Is(identity.RoleOwner) {
			err = notifyStaffOfCancel(ctx, tx, a, parent, reason, now)
		} else {
			err = notifyOwnerOfCancel(ctx, tx, a, reason, now)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "cancel", Entity: "appointments", EntityID: id,
			Detail: map[string]any{"reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// Reschedule moves the acting owner's open appointment to another slot of the
// same site, atomically (one transaction takes the new place and releases the
// old; a swap moved within its day keeps its battery), at most MaxReschedules
// times and until ChangeCutoff before the start. The appointment returns to
// booked.
func (s *Service) Reschedule(ctx context.Context, actor *identity.User, id int64, date string, minute int) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以改约")
	}
	a, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	swapCapable, err := ownVehicle(ctx, s.db, actor.CustomerID, a.VehicleID)
	if err != nil {
		return nil, err
	}
	t, err := s.validateSlot(ctx, s.db, a.SiteID, a.Kind, date, minute, swapCapable)
	if err != nil {
		return nil, err
	}
	if t.date.Equal(a.SlotDate) && t.minute == a.SlotMinute {
		return nil, apperr.Field("minute", "请选择与原预约不同的时段")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		cur, parent, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !cur.OwnerCanChange(now) {
			return apperr.New(apperr.Conflict, "该预约已不能改约（仅在预约开始 2 小时前、且未开始服务时可改约）")
		}
		if cur.RescheduleCount >= MaxReschedules {
			return apperr.New(apperr.Conflict, fmt.Sprintf("每个预约最多改约 %d 次", MaxReschedules))
		}
		// Lock the appointment first, then move the places (see move).
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET slot_date = $1, slot_minute = $2, scheduled_at = $3, status = 'booked',
			reschedule_count = reschedule_count + 1, confirmed_at = NULL, updated_at = $4
			WHERE id = $5 AND status IN ('booked', 'confirmed') AND reschedule_count = $6`,
			t.date, t.minute, slotStart(t.date, t.minute), now, id, cur.RescheduleCount)
		if db.IsUniqueViolation(err) {
			return apperr.Field("minute", "这辆车在该时段已有预约")
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if err := move(ctx, tx, cur, t); err != nil {
			return err
		}
		if err := notifyStaffOfReschedule(ctx, tx, cur, parent, t, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "reschedule", Entity: "appointments", EntityID: id,
			Detail: map[string]any{"from": cur.When(), "date": date, "minute": minute}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
