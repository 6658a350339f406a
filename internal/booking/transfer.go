package booking

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// transferReason is the cancel reason of appointments of a car that
// changed hands.
const transferReason = "车辆已转入新车主名下"

// CancelForTransfer cancels, in the transfer's transaction tx, the open
// (booked or confirmed) appointments that customer from holds for vehicle
// vehicleID, releasing their places, telling from and the responsible
// staff, and auditing each (cancel, by the system). An appointment already
// in progress stays: the car is at the site. It has the shape of
// vehicle.TransferHook and is registered by the app (Vehicles.OnTransfer).
func CancelForTransfer(ctx context.Context, tx *sql.Tx, vehicleID, from, to int64, now time.Time) error {
	return cancelOpen(ctx, tx, `a.vehicle_id = $1 AND a.customer_id = $2`, []any{vehicleID, from}, transferReason, true, now)
}

// eraseReason is the cancel reason of the appointments of an owner whose
// personal data is erased.
const eraseReason = "车主已注销账号"

// CancelForErase cancels, in the erase transaction tx, the open (booked or
// confirmed) appointments of customer customerID, releasing their places
// and telling the responsible staff (audited as cancel by the system). It
// has the shape of privacy.EraseHook (the app registers it).
func CancelForErase(ctx context.Context, tx *sql.Tx, customerID, _ int64, now time.Time) error {
	return cancelOpen(ctx, tx, `a.customer_id = $1`, []any{customerID}, eraseReason, false, now)
}

// cancelOpen cancels the open appointments matching cond (on appointments
// a) for reason; tellOwner notifies their owner.
func cancelOpen(ctx context.Context, tx *sql.Tx, cond string, args []any, reason string, tellOwner bool, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.id FROM appointments a WHERE `+cond+`
		AND a.status IN ('booked', 'confirmed') ORDER BY a.id`, args...)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	s := &Service{} // load reads through tx only
	for _, id := range ids {
		a, parent, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'cancelled', cancel_reason = $1, cancelled_at = $2, updated_at = $2
			WHERE id = $3 AND status IN ('booked', 'confirmed')`, reason, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if err := release(ctx, tx, a); err != nil {
			return err
		}
		if tellOwner {
			if _, err := notify.NotifyCustomer(ctx, tx, a.CustomerID, notify.Notification{
				Kind: notify.AppointmentCancelled, Title: "预约已取消", Link: ownerLink(a), CreatedAt: now,
				Body: "您 " + a.When() + " 在" + a.SiteName + "的" + a.Kind.Label() + "预约已取消：" + reason + "。",
			}); err != nil {
				return err
			}
		}
		if err := notifyStaffOfCancel(ctx, tx, a, parent, reason, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Entry{Action: "cancel", Entity: "appointments", EntityID: id,
			Detail: map[string]any{"reason": reason}}); err != nil {
			return err
		}
	}
	return nil
}

// Blocking returns the acting owner's open appointment that stops vehicleID
// from being booked for kind on date at minute: one of the same kind of
// service (a car holds one open appointment per kind), else one in the same
// slot; nil when there is none. Owners only (others get nil).
func (s *Service) Blocking(ctx context.Context, actor *identity.User, vehicleID int64, kind Kind, date string, minute int) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || vehicleID <= 0 {
		return nil, nil
	}
	list, err := s.query(ctx, `WHERE a.vehicle_id = $1 AND a.customer_id = $2 AND a.status IN ('booked', 'confirmed', 'in_progress')
		ORDER BY a.scheduled_at`, vehicleID, actor.CustomerID)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.Kind == kind {
			return a, nil
		}
	}
	if d, ok := ParseDate(date); ok {
		for _, a := range list {
			if a.SlotDate.Equal(d) && a.SlotMinute == minute {
				return a, nil
			}
		}
	}
	return nil, nil
}

// MarkVehicle marks the slots of day in which the acting owner's vehicle
// vehicleID already holds an open appointment (at any site) as not
// bookable, with the reason, so that the grid never offers them. Owners
// only; for others, or no vehicle, day is left as it is.
func (s *Service) MarkVehicle(ctx context.Context, actor *identity.User, vehicleID int64, day *Day) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if day == nil || vehicleID <= 0 || !actor.Is(identity.RoleOwner) {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT slot_minute FROM appointments WHERE vehicle_id = $1 AND customer_id = $2 AND slot_date = $3
		AND status IN ('booked', 'confirmed', 'in_progress')`, vehicleID, actor.CustomerID, day.Date)
	if err != nil {
		return err
	}
	defer rows.Close()
	held := map[int]bool{}
	for rows.Next() {
		var m int
		if err := rows.Scan(&m); err != nil {
			return err
		}
		held[m] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range day.Slots {
		if held[day.Slots[i].Minute] {
			day.Slots[i].Bookable, day.Slots[i].Reason = false, "本车已约"
		}
	}
	return nil
}
