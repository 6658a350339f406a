package booking

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// Notifications of appointment events, written in the transaction of the
// event (a refused or failed action notifies nobody):
//
//   - the owner, when service staff (or an admin) confirm, start, complete,
//     mark as no-show or cancel their appointment (assigning a technician
//     tells the owner nothing new);
//   - every active service user of the responsible center (the site itself
//     or the center a station belongs to: the people whose queue shows it),
//     when an owner books, cancels or reschedules a repair appointment. Swap
//     and charging appointments are short, many and need no preparation, so
//     they stay in the queue without a notification each; a repair needs a
//     bay and a technician planned. Admins, who see every site, get none.

// ownerLink opens the owner's detail page of the appointment.
func ownerLink(a *Appointment) string { return a.OwnerLink() }

// staffLink opens the appointment's detail panel (beside its day's queue):
// history, actions and why an action is not available yet.
func staffLink(a *Appointment) string {
	return fmt.Sprintf("/service/appointments/%d", a.ID)
}

// vehicle names the appointment's car: "启航 ES6 沪A12345", or "".
func (a *Appointment) vehicle() string { return strings.TrimSpace(a.VehicleName + " " + a.Plate) }

// yourCar names the owner's car in a sentence: "启航 ES6（沪A12345）", or "车辆".
func (a *Appointment) yourCar() string {
	switch {
	case a.VehicleName != "" && a.Plate != "":
		return a.VehicleName + "（" + a.Plate + "）"
	case a.VehicleName+a.Plate != "":
		return a.VehicleName + a.Plate
	}
	return "车辆"
}

// notifyOwnerOfAction tells the owner of a what a staff action did to it.
func notifyOwnerOfAction(ctx context.Context, tx *sql.Tx, a *Appointment, action Action, result string, now time.Time) error {
	n := notify.Notification{Link: ownerLink(a), CreatedAt: now}
	switch action {
	case Confirm:
		n.Kind, n.Title = notify.AppointmentConfirmed, "预约已确认"
		n.Body = fmt.Sprintf("%s已确认您 %s 的%s预约，请按时到达。", a.SiteName, a.When(), a.Kind.Label())
	case Start:
		n.Kind, n.Title = notify.AppointmentStarted, "服务已开始"
		n.Body = fmt.Sprintf("%s已开始为您的%s提供%s服务。", a.SiteName, a.yourCar(), a.Kind.Label())
	case Complete:
		n.Kind, n.Title = notify.AppointmentCompleted, "服务已完成"
		n.Body = fmt.Sprintf("您 %s 在%s的%s服务已完成。服务结果：%s", a.When(), a.SiteName, a.Kind.Label(), result)
	case MarkNoShow:
		n.Kind, n.Title = notify.AppointmentNoShow, "预约已标记为未到店"
		n.Body = fmt.Sprintf("您 %s 在%s的%s预约因未到店已关闭。如有疑问，请联系网点。", a.When(), a.SiteName, a.Kind.Label())
	default:
		return nil
	}
	_, err := notify.NotifyCustomer(ctx, tx, a.CustomerID, n)
	return err
}

// notifyOwnerOfCancel tells the owner that staff cancelled a, and why.
func notifyOwnerOfCancel(ctx context.Context, tx *sql.Tx, a *Appointment, reason string, now time.Time) error {
	_, err := notify.NotifyCustomer(ctx, tx, a.CustomerID, notify.Notification{
		Kind: notify.AppointmentCancelled, Title: "预约已被网点取消", Link: ownerLink(a), CreatedAt: now,
		Body: fmt.Sprintf("%s取消了您 %s 的%s预约。原因：%s。如仍需服务，请重新预约。", a.SiteName, a.When(), a.Kind.Label(), reason),
	})
	return err
}

// notifyStaff tells the service staff responsible for a (at its site or at
// parent, the center of a station) about an owner's change, for repair
// appointments only (see above).
func notifyStaff(ctx context.Context, tx *sql.Tx, a *Appointment, parent int64, kind notify.Kind, title, body string, now time.Time) error {
	if a.Kind != Repair {
		return nil
	}
	_, err := notify.NotifySiteStaff(ctx, tx, identity.RoleService, []int64{a.SiteID, parent}, notify.Notification{
		Kind: kind, Title: title, Body: body, Link: staffLink(a), CreatedAt: now,
	})
	return err
}

// customer names the owner for staff: their name and car.
func (a *Appointment) customer() string {
	if v := a.vehicle(); v != "" {
		return a.CustomerName + "（" + v + "）"
	}
	return a.CustomerName
}

// notifyStaffOfBooking tells the center's staff about a new repair booking.
func (s *Service) notifyStaffOfBooking(ctx context.Context, tx *sql.Tx, id int64, kind Kind, now time.Time) error {
	if kind != Repair {
		return nil
	}
	a, parent, err := s.load(ctx, tx, id)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s预约了 %s 在%s的维修保养。", a.customer(), a.When(), a.SiteName)
	if a.Note != "" {
		body += "备注：" + a.Note
	}
	return notifyStaff(ctx, tx, a, parent, notify.AppointmentBooked, "新的维修保养预约", body, now)
}

// notifyStaffOfCancel tells the center's staff that the owner cancelled a.
func notifyStaffOfCancel(ctx context.Context, tx *sql.Tx, a *Appointment, parent int64, reason string, now time.Time) error {
	body := fmt.Sprintf("%s取消了 %s 在%s的维修保养预约。", a.customer(), a.When(), a.SiteName)
	if reason != "" {
		body += "原因：" + reason
	}
	return notifyStaff(ctx, tx, a, parent, notify.AppointmentCancelled, "车主取消了维修保养预约", body, now)
}

// notifyStaffOfReschedule tells the center's staff that the owner moved a
// (as it was) to the slot of t.
func notifyStaffOfReschedule(ctx context.Context, tx *sql.Tx, a *Appointment, parent int64, t *target, now time.Time) error {
	moved := *a
	moved.SlotDate, moved.SlotMinute = t.date, t.minute
	body := fmt.Sprintf("%s将%s的维修保养预约从 %s 改到 %s。", a.customer(), a.SiteName, a.When(), moved.When())
	return notifyStaff(ctx, tx, &moved, parent, notify.AppointmentRescheduled, "车主改约了维修保养预约", body, now)
}
