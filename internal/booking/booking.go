// Package booking lets owners book charging, battery swaps and repairs at a
// site's real remaining capacity, and lets service staff run the day's queue
// through the appointment status machine:
//
//	booked → confirmed → in_progress → completed
//	booked | confirmed → cancelled (place released)
//	booked | confirmed → no_show (staff, after the slot has started)
//
// Capacity is counted in slot_usage (and, for swap stations, swap_day_usage)
// with a conditional UPDATE in the booking transaction, so concurrent
// bookings can never oversell a slot.
package booking

import (
	"time"

	"github.com/nevcrm/nevcrm/internal/site"
)

// Policy.
const (
	// LeadTime is how soon before its start a slot can still be booked.
	LeadTime = 30 * time.Minute
	// HorizonDays is how many calendar days can be booked, today included:
	// today through today+13.
	HorizonDays = 14
	// StartWindow is how long before its slot an appointment can be started
	// (an owner arriving early).
	StartWindow = 2 * time.Hour
	// ChangeCutoff is how long before the start an owner can still cancel or reschedule.
	ChangeCutoff = 2 * time.Hour
	// MaxReschedules is how often one appointment can be moved.
	MaxReschedules = 3
	maxNote        = 200
	maxResult      = 500
	maxReason      = 200
	maxBay         = 20
)

// Kind is a kind of service that can be booked.
type Kind string

// Kinds of service.
const (
	Charging  Kind = "charging"
	Swap      Kind = "swap"
	Repair    Kind = "repair"
	TestDrive Kind = "test_drive"
)

// OwnerKinds are the kinds an owner books for their vehicle.
var OwnerKinds = []Kind{Swap, Charging, Repair}

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Charging:
		return "充电"
	case Swap:
		return "换电"
	case Repair:
		return "维修保养"
	case TestDrive:
		return "试驾"
	}
	return string(k)
}

// SiteKind is the kind of site that offers k.
func (k Kind) SiteKind() site.Kind {
	switch k {
	case Charging:
		return site.ChargingStation
	case Swap:
		return site.SwapStation
	case Repair:
		return site.ServiceCenter
	case TestDrive:
		return site.Store
	}
	return ""
}

// ParseKind returns the kind named s, or false.
func ParseKind(s string) (Kind, bool) {
	for _, k := range []Kind{Charging, Swap, Repair, TestDrive} {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Status is where an appointment is in its life.
type Status string

// Statuses.
const (
	Booked     Status = "booked"
	Confirmed  Status = "confirmed"
	InProgress Status = "in_progress"
	Completed  Status = "completed"
	Cancelled  Status = "cancelled"
	NoShow     Status = "no_show"
)

// Statuses lists every status in life order.
var Statuses = []Status{Booked, Confirmed, InProgress, Completed, Cancelled, NoShow}

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case Booked:
		return "已预约"
	case Confirmed:
		return "已确认"
	case InProgress:
		return "服务中"
	case Completed:
		return "已完成"
	case Cancelled:
		return "已取消"
	case NoShow:
		return "未到店"
	}
	return string(s)
}

// Open reports whether the appointment still holds its place and can be
// changed by the owner (booked or confirmed).
func (s Status) Open() bool { return s == Booked || s == Confirmed }

// Appointment is one booking.
type Appointment struct {
	ID              int64
	CustomerID      int64
	CustomerName    string
	CustomerMobile  string
	VehicleID       int64
	VehicleName     string
	Plate           string
	SiteID          int64
	SiteName        string
	SiteAddress     string
	Kind            Kind
	SlotDate        time.Time // calendar date (UTC midnight)
	SlotMinute      int       // local minutes after midnight
	SlotMinutes     int       // slot length at the site
	ScheduledAt     time.Time // UTC instant of the slot start
	Status          Status
	Note            string
	TechnicianID    int64
	TechnicianName  string
	Bay             string
	Result          string
	CancelReason    string
	RescheduleCount int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// When returns the local slot as "2006-01-02 15:04-15:04".
func (a *Appointment) When() string {
	return a.SlotDate.Format("2006-01-02") + " " + site.Clock(a.SlotMinute) + "-" + site.Clock(a.SlotMinute+a.SlotMinutes)
}

// Date returns the slot's calendar date as "2006-01-02".
func (a *Appointment) Date() string { return a.SlotDate.Format("2006-01-02") }

// OwnerCanChange reports whether the owner may still cancel or reschedule at now.
func (a *Appointment) OwnerCanChange(now time.Time) bool {
	return a.Status.Open() && !now.After(a.ScheduledAt.Add(-ChangeCutoff))
}

// CanReschedule reports whether the owner may still move the appointment at now.
func (a *Appointment) CanReschedule(now time.Time) bool {
	return a.OwnerCanChange(now) && a.RescheduleCount < MaxReschedules
}

// Slot is one bookable time slot of a day at a site.
type Slot struct {
	Minute   int
	Label    string // "09:00-10:00"
	Start    time.Time
	Places   int // places per slot
	Left     int // places still free (also bounded by swap batteries)
	Bookable bool
	Reason   string // why not bookable: 已过 (started), 即将开始 (within the lead time), 已约满
}

// Day is the slot table of one site, service kind and date.
type Day struct {
	Site  *site.Site
	Kind  Kind
	Date  time.Time // calendar date (UTC midnight)
	Slots []Slot
	// BatteriesLeft is the swap batteries still free that day (swap stations).
	BatteriesLeft int
}

// Period is a part of the day's slots: morning, afternoon or evening.
type Period struct {
	Label    string
	Slots    []Slot
	Bookable int  // slots still bookable
	Open     bool // shown unfolded: it holds the chosen slot, or is the first with a free slot
}

// Periods splits the slots into morning (before 12:00), afternoon (before
// 18:00) and evening, leaving out empty parts, and unfolds the part that
// holds chosen (a slot minute, or -1) or else the first with a free slot.
func (d *Day) Periods(chosen int) []Period {
	parts := []Period{{Label: "上午"}, {Label: "下午"}, {Label: "晚上"}}
	for _, sl := range d.Slots {
		i := 0
		switch {
		case sl.Minute >= 18*60:
			i = 2
		case sl.Minute >= 12*60:
			i = 1
		}
		parts[i].Slots = append(parts[i].Slots, sl)
		if sl.Bookable {
			parts[i].Bookable++
		}
		if sl.Minute == chosen && sl.Bookable {
			parts[i].Open = true
		}
	}
	var out []Period
	opened := false
	for _, p := range parts {
		if len(p.Slots) > 0 {
			opened = opened || p.Open
			out = append(out, p)
		}
	}
	if !opened {
		for i := range out {
			if out[i].Bookable > 0 {
				out[i].Open = true
				break
			}
		}
	}
	return out
}

// DateString returns the day as "2006-01-02".
func (d *Day) DateString() string { return d.Date.Format("2006-01-02") }
