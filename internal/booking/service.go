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
	"github.com/nevcrm/nevcrm/internal/site"
)

// Service books appointments and runs their status machine.
type Service struct {
	db  *db.DB
	now func() time.Time
	// beforeComplete are the rules of other areas checked before an
	// appointment is completed (see BeforeComplete).
	beforeComplete []func(ctx context.Context, q db.Querier, a *Appointment) error
}

// BeforeComplete registers a rule checked in the transaction that completes
// an appointment, before anything is written: an error refuses the
// completion and is returned as it is. Areas above booking (work orders:
// a repair appointment needs its work order complete) register theirs in
// internal/app; call it before the service is used.
func (s *Service) BeforeComplete(fn func(ctx context.Context, q db.Querier, a *Appointment) error) {
	s.beforeComplete = append(s.beforeComplete, fn)
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Today returns the current local calendar date as "2006-01-02".
func (s *Service) Today() string { return s.now().In(site.Shanghai).Format("2006-01-02") }

// DateOr returns date, or today's local date when date is empty: the
// default day of the slot table and of the queue.
func (s *Service) DateOr(date string) string {
	if date == "" {
		return s.Today()
	}
	return date
}

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

// ParseDate parses a local calendar date "2006-01-02" into UTC midnight of
// that date, the form slot_date is stored in.
func ParseDate(v string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(v))
	return t, err == nil
}

// slotStart is the UTC instant a local slot starts.
func slotStart(date time.Time, minute int) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, site.Shanghai).Add(time.Duration(minute) * time.Minute).UTC()
}

// LastDay returns the last bookable local date as "2006-01-02".
func (s *Service) LastDay() string {
	today, _ := ParseDate(s.Today())
	return today.AddDate(0, 0, HorizonDays-1).Format("2006-01-02")
}

// checkDate validates a booking date against the horizon.
func (s *Service) checkDate(v string) (time.Time, error) {
	date, ok := ParseDate(v)
	if !ok {
		return time.Time{}, apperr.Field("date", "请选择日期，例如 "+s.Today())
	}
	today, _ := ParseDate(s.Today())
	last, _ := ParseDate(s.LastDay())
	if date.Before(today) {
		return time.Time{}, apperr.Field("date", "不能预约已经过去的日期")
	}
	if date.After(last) {
		return time.Time{}, apperr.Field("date", fmt.Sprintf("只能预约今天起 %d 天内（至 %s）的时段", HorizonDays, s.LastDay()))
	}
	return date, nil
}

// places returns the places per slot of kind at st, or an Invalid error when
// the site does not offer it.
func places(ctx context.Context, q db.Querier, st *site.Site, kind Kind) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT places_per_slot FROM site_capacity WHERE site_id = $1 AND service_kind = $2`, st.ID, string(kind)).Scan(&n)
	if db.NoRows(err) || (err == nil && n == 0) {
		return 0, apperr.Field("site_id", "该网点不提供"+kind.Label()+"预约")
	}
	return n, err
}

// Slots returns the slot table of a site for kind on date ("2006-01-02";
// empty means today). Anyone may read it; an unknown, closed or unsuitable
// site or a bad date is Invalid.
func (s *Service) Slots(ctx context.Context, siteID int64, kind Kind, date string) (*Day, error) {
	date = s.DateOr(date)
	if kind.SiteKind() == "" {
		return nil, apperr.Field("service", "请选择服务类型")
	}
	st, err := site.Get(ctx, s.db, siteID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("site_id", "网点不存在")
	}
	if err != nil {
		return nil, err
	}
	if st.Kind != kind.SiteKind() {
		return nil, apperr.Field("site_id", "请选择一个"+kind.SiteKind().Label())
	}
	if !st.Open {
		return nil, apperr.Field("site_id", "该网点暂停营业")
	}
	d, err := s.checkDate(date)
	if err != nil {
		return nil, err
	}
	n, err := places(ctx, s.db, st, kind)
	if err != nil {
		return nil, err
	}
	booked := map[int]int{}
	rows, err := s.db.QueryContext(ctx, `SELECT slot_minute, booked FROM slot_usage WHERE site_id = $1 AND service_kind = $2 AND slot_date = $3`,
		st.ID, string(kind), d)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m, b int
		if err := rows.Scan(&m, &b); err != nil {
			return nil, err
		}
		booked[m] = b
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	day := &Day{Site: st, Kind: kind, Date: d, BatteriesLeft: -1}
	if kind == Swap {
		var used int
		err := s.db.QueryRowContext(ctx, `SELECT booked FROM swap_day_usage WHERE site_id = $1 AND slot_date = $2`, st.ID, d).Scan(&used)
		if err != nil && !db.NoRows(err) {
			return nil, err
		}
		day.BatteriesLeft = max(st.ChargedBatteries-used, 0)
	}
	earliest := s.now().Add(LeadTime)
	for m := st.OpenMinute; m+st.SlotMinutes <= st.CloseMinute; m += st.SlotMinutes {
		sl := Slot{Minute: m, Label: site.Clock(m) + "-" + site.Clock(m+st.SlotMinutes), Start: slotStart(d, m), Places: n}
		sl.Left = max(n-booked[m], 0)
		if day.BatteriesLeft >= 0 {
			sl.Left = min(sl.Left, day.BatteriesLeft)
		}
		switch {
		case sl.Start.Before(s.now()):
			sl.Reason = "已过"
		case sl.Start.Before(earliest):
			sl.Reason = "即将开始" // within the lead time: too late to book
		case sl.Left == 0:
			sl.Reason = "已约满"
		default:
			sl.Bookable = true
		}
		day.Slots = append(day.Slots, sl)
	}
	return day, nil
}

// BookInput is an owner's booking request.
type BookInput struct {
	VehicleID int64
	SiteID    int64
	Kind      Kind
	Date      string // "2006-01-02", local
	Minute    int    // slot start, local minutes after midnight
	Note      string
}

// ErrFull is returned when the chosen slot has no place left.
var ErrFull = apperr.New(apperr.Conflict, "该时段已约满，请选择其他时段")

// errBatteriesFull is returned when a swap station has promised all its charged batteries that day.
var errBatteriesFull = apperr.New(apperr.Conflict, "该换电站当日可换电池已约满，请选择其他日期或换电站")

// target is a validated slot to book.
type target struct {
	site   *site.Site
	kind   Kind
	date   time.Time
	minute int
	places int
}

// validateSlot checks that kind can be booked at siteID on date at minute for
// the vehicle, and returns the target.
func (s *Service) validateSlot(ctx context.Context, q db.Querier, siteID int64, kind Kind, date string, minute int, swapCapable bool) (*target, error) {
	var v apperr.Validator
	v.Check(kind.SiteKind() != "" && kind != TestDrive, "service", "请选择服务类型：充电、换电或维修保养")
	v.Check(siteID > 0, "site_id", "请选择网点")
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := site.Get(ctx, q, siteID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("site_id", "网点不存在")
	}
	if err != nil {
		return nil, err
	}
	if st.Kind != kind.SiteKind() {
		return nil, apperr.Field("site_id", kind.Label()+"请选择"+kind.SiteKind().Label())
	}
	if !st.Open {
		return nil, apperr.Field("site_id", "该网点暂停营业")
	}
	if kind == Swap && !swapCapable {
		return nil, apperr.Field("vehicle_id", "该车型不支持换电，请选择充电或其他车辆")
	}
	d, err := s.checkDate(date)
	if err != nil {
		return nil, err
	}
	if minute < 0 {
		return nil, apperr.Field("minute", "请选择一个时段")
	}
	// Bound the minute before any arithmetic on it (a huge value would overflow).
	if minute >= 24*60 || minute < st.OpenMinute || minute+st.SlotMinutes > st.CloseMinute || (minute-st.OpenMinute)%st.SlotMinutes != 0 {
		return nil, apperr.Field("minute", fmt.Sprintf("所选时段不在营业时间内（%s，每 %d 分钟一个时段）", st.Hours(), st.SlotMinutes))
	}
	if slotStart(d, minute).Before(s.now().Add(LeadTime)) {
		return nil, apperr.Field("minute", "该时段已过或即将开始，请选择至少 30 分钟之后的时段")
	}
	n, err := places(ctx, q, st, kind)
	if err != nil {
		return nil, err
	}
	return &target{site: st, kind: kind, date: d, minute: minute, places: n}, nil
}

// take claims one place of t inside tx, or returns ErrFull.
func take(ctx context.Context, tx *sql.Tx, t *target) error {
	if err := takeSlot(ctx, tx, t); err != nil {
		return err
	}
	if t.kind != Swap {
		return nil
	}
	return takeBattery(ctx, tx, t.site.ID, t.date)
}

// release gives back the place held by a.
func release(ctx context.Context, tx *sql.Tx, a *Appointment) error {
	if err := releaseSlot(ctx, tx, a); err != nil {
		return err
	}
	if a.Kind != Swap {
		return nil
	}
	return releaseBattery(ctx, tx, a.SiteID, a.SlotDate)
}

// move takes the place of t and gives back the one a holds, inside tx.
//
// Lock order: every transaction that changes places writes the appointment
// row first (Book inserts it, Cancel and Reschedule update it), then
// slot_usage rows in (date, minute) order, then swap_day_usage rows in date
// order.
// Without it, two owners swapping slots, or a cancel racing a reschedule,
// deadlock on PostgreSQL. A swap moved within its day keeps its battery, so a
// day whose batteries are all promised still allows moving between slots.
func move(ctx context.Context, tx *sql.Tx, a *Appointment, t *target) error {
	newFirst := t.date.Before(a.SlotDate) || (t.date.Equal(a.SlotDate) && t.minute < a.SlotMinute)
	if newFirst {
		if err := takeSlot(ctx, tx, t); err != nil {
			return err
		}
		if err := releaseSlot(ctx, tx, a); err != nil {
			return err
		}
	} else {
		if err := releaseSlot(ctx, tx, a); err != nil {
			return err
		}
		if err := takeSlot(ctx, tx, t); err != nil {
			return err
		}
	}
	if a.Kind != Swap || t.date.Equal(a.SlotDate) {
		return nil
	}
	if t.date.Before(a.SlotDate) {
		if err := takeBattery(ctx, tx, t.site.ID, t.date); err != nil {
			return err
		}
		return releaseBattery(ctx, tx, a.SiteID, a.SlotDate)
	}
	if err := releaseBattery(ctx, tx, a.SiteID, a.SlotDate); err != nil {
		return err
	}
	return takeBattery(ctx, tx, t.site.ID, t.date)
}

// takeSlot claims one place in the slot of t, or returns ErrFull.
func takeSlot(ctx context.Context, tx *sql.Tx, t *target) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO slot_usage (site_id, service_kind, slot_date, slot_minute, booked)
		VALUES ($1, $2, $3, $4, 0) ON CONFLICT (site_id, service_kind, slot_date, slot_minute) DO NOTHING`,
		t.site.ID, string(t.kind), t.date, t.minute); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE slot_usage SET booked = booked + 1
		WHERE site_id = $1 AND service_kind = $2 AND slot_date = $3 AND slot_minute = $4 AND booked < $5`,
		t.site.ID, string(t.kind), t.date, t.minute, t.places)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrFull
	}
	return nil
}

// takeBattery promises one charged battery of swap station siteID on date,
// or returns errBatteriesFull.
func takeBattery(ctx context.Context, tx *sql.Tx, siteID int64, date time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO swap_day_usage (site_id, slot_date, booked) VALUES ($1, $2, 0)
		ON CONFLICT (site_id, slot_date) DO NOTHING`, siteID, date); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE swap_day_usage SET booked = booked + 1
		WHERE site_id = $1 AND slot_date = $2 AND booked < (SELECT charged_batteries FROM sites WHERE id = $1)`, siteID, date)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errBatteriesFull
	}
	return nil
}

// releaseSlot gives back the slot place held by a.
func releaseSlot(ctx context.Context, tx *sql.Tx, a *Appointment) error {
	_, err := tx.ExecContext(ctx, `UPDATE slot_usage SET booked = booked - 1
		WHERE site_id = $1 AND service_kind = $2 AND slot_date = $3 AND slot_minute = $4 AND booked > 0`,
		a.SiteID, string(a.Kind), a.SlotDate, a.SlotMinute)
	return err
}

// releaseBattery gives back one promised battery of siteID on date.
func releaseBattery(ctx context.Context, tx *sql.Tx, siteID int64, date time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE swap_day_usage SET booked = booked - 1 WHERE site_id = $1 AND slot_date = $2 AND booked > 0`,
		siteID, date)
	return err
}

// errOpenKind refuses a second open appointment of one kind for a vehicle;
// at is the open one's start when known.
func errOpenKind(kind Kind, at time.Time) error {
	msg := "这辆车已有一个未完成的" + kind.Label() + "预约"
	if !at.IsZero() {
		msg += "（" + at.In(site.Shanghai).Format("01-02 15:04") + "）"
	}
	return apperr.Field("vehicle_id", msg+"，如需更换时间请改约")
}

// ownVehicle returns whether the vehicle belongs to the owner and is swap capable.
func ownVehicle(ctx context.Context, q db.Querier, customerID, vehicleID int64) (swapCapable bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT m.swap_capable FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id
		WHERE v.id = $1 AND v.customer_id = $2`, vehicleID, customerID).Scan(&swapCapable)
	if db.NoRows(err) {
		return false, apperr.Field("vehicle_id", "请选择您名下的车辆")
	}
	return swapCapable, err
}

// Book books a slot for one of the acting owner's vehicles. It returns an
// Invalid error naming the field at fault, ErrFull when the slot (or a swap
// station's batteries for the day) is taken, and writes nothing on error.
func (s *Service) Book(ctx context.Context, actor *identity.User, in BookInput) (*Appointment, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以预约服务")
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > maxNote {
		return nil, apperr.Field("note", fmt.Sprintf("备注不能超过 %d 个字", maxNote))
	}
	if in.VehicleID <= 0 {
		return nil, apperr.Field("vehicle_id", "请选择车辆")
	}
	swapCapable, err := ownVehicle(ctx, s.db, actor.CustomerID, in.VehicleID)
	if err != nil {
		return nil, err
	}
	t, err := s.validateSlot(ctx, s.db, in.SiteID, in.Kind, in.Date, in.Minute, swapCapable)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var open time.Time
		err := tx.QueryRowContext(ctx, `SELECT scheduled_at FROM appointments WHERE vehicle_id = $1 AND service_kind = $2
			AND status IN ('booked', 'confirmed', 'in_progress') LIMIT 1`, in.VehicleID, string(t.kind)).Scan(&open)
		if err == nil {
			return errOpenKind(t.kind, open)
		}
		if !db.NoRows(err) {
			return err
		}
		// The appointment row first, then the places (see move for the lock order).
		err = tx.QueryRowContext(ctx, `INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute,
			scheduled_at, status, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8, $9, $9) RETURNING id`,
			actor.CustomerID, in.VehicleID, t.site.ID, string(t.kind), t.date, t.minute, slotStart(t.date, t.minute), in.Note, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			// One of the two open-appointment indexes: per kind (a booking that
			// raced the check above, PostgreSQL only: on SQLite the check ran
			// under the write lock taken at BEGIN, and db.Constraint is ""), or
			// else per slot.
			if db.Constraint(err) == "appointments_vehicle_kind_open" {
				return errOpenKind(t.kind, time.Time{})
			}
			return apperr.Field("minute", "这辆车在该时段已有预约")
		}
		if err != nil {
			return err
		}
		if err := take(ctx, tx, t); err != nil {
			return err
		}
		if err := s.notifyStaffOfBooking(ctx, tx, id, t.kind, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "book", Entity: "appointments", EntityID: id,
			Detail: map[string]any{"site_id": t.site.ID, "kind": t.kind, "date": in.Date, "minute": t.minute}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}
