// Package workorder runs the repair and maintenance work orders of the
// service centers: opened from a repair appointment once service has started
// or for a walk-in, with the complaint, diagnosis, fault codes, mileage at
// intake, lead technician and bay; labour lines from the catalogue of
// standard operations (standard minutes × the center's hourly rate) and
// parts lines issued from the center's stock; each line paid by the owner or
// by warranty as the system decides from the vehicle's warranty terms and
// the fault (staff may override with a reason, audited). It enforces the
// status machine
//
//	open(开单) → in_progress(维修中) ⇄ waiting_parts(待料)
//	in_progress → completed(完工) → closed(已交车)
//	open | in_progress | waiting_parts → cancelled(取消)
//
// keeps the totals in fen split into owner-paid and warranty, and after the
// hand-over asks the owner for a rating; a rating of 2 or lower opens a
// follow-up case for the center's staff.
//
// It owns work_orders, work_order_labour, work_order_parts,
// service_operations, labour_rates, warranty_part_categories,
// work_order_ratings and service_followups.
package workorder

import (
	"strings"
	"time"
)

// Policy.
const (
	// DefaultHourlyRateFen is the hourly labour rate of a center that has
	// no row in labour_rates (¥300.00).
	DefaultHourlyRateFen = 30000
	// FollowUpDue is how long the center has to call back an owner who
	// rated a work order 2 or lower.
	FollowUpDue = 24 * time.Hour
	// LowRating is the highest rating that opens a follow-up case.
	LowRating = 2

	maxComplaint  = 500
	maxDiagnosis  = 1000
	maxFaultCodes = 200
	maxBay        = 20
	maxReason     = 200
	maxComment    = 500
	maxMileage    = 2_000_000
	maxLines      = 100
)

// Status is where a work order is in its life.
type Status string

// Statuses.
const (
	Open         Status = "open"
	InProgress   Status = "in_progress"
	WaitingParts Status = "waiting_parts"
	Completed    Status = "completed"
	Closed       Status = "closed"
	Cancelled    Status = "cancelled"
)

// Statuses lists every status in life order.
var Statuses = []Status{Open, InProgress, WaitingParts, Completed, Closed, Cancelled}

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case Open:
		return "开单"
	case InProgress:
		return "维修中"
	case WaitingParts:
		return "待料"
	case Completed:
		return "完工"
	case Closed:
		return "已交车"
	case Cancelled:
		return "已取消"
	}
	return string(s)
}

// Editable reports whether lines and details may still change.
func (s Status) Editable() bool { return s == Open || s == InProgress || s == WaitingParts }

// Done reports whether the repair is finished (completed or handed over):
// what completing the appointment requires.
func (s Status) Done() bool { return s == Completed || s == Closed }

// ParseStatus returns the status named v, or false.
func ParseStatus(v string) (Status, bool) {
	for _, s := range Statuses {
		if string(s) == v {
			return s, true
		}
	}
	return "", false
}

// Action is a step of the status machine.
type Action string

// Actions.
const (
	Start     Action = "start"
	WaitParts Action = "wait-parts"
	Resume    Action = "resume"
	Complete  Action = "complete"
	HandOver  Action = "hand-over"
	Cancel    Action = "cancel"
)

// transitions maps an action to the statuses it starts from and the one it leads to.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	Start:     {[]Status{Open}, InProgress},
	WaitParts: {[]Status{InProgress}, WaitingParts},
	Resume:    {[]Status{WaitingParts}, InProgress},
	Complete:  {[]Status{InProgress}, Completed},
	HandOver:  {[]Status{Completed}, Closed},
	Cancel:    {[]Status{Open, InProgress, WaitingParts}, Cancelled},
}

// Actions lists the actions in the order the page offers them.
var Actions = []Action{Start, WaitParts, Resume, Complete, HandOver, Cancel}

// ParseAction returns the action named v, or false.
func ParseAction(v string) (Action, bool) {
	_, ok := transitions[Action(v)]
	return Action(v), ok
}

// Label is the action's Chinese name as its button says it.
func (a Action) Label() string {
	switch a {
	case Start:
		return "开始维修"
	case WaitParts:
		return "转待料"
	case Resume:
		return "恢复维修"
	case Complete:
		return "完工"
	case HandOver:
		return "交车"
	case Cancel:
		return "取消工单"
	}
	return string(a)
}

// To is the status the action leads to.
func (a Action) To() Status { return transitions[a].to }

// Kind is what a work order is for.
type Kind string

// Kinds.
const (
	Maintenance Kind = "maintenance"
	Repair      Kind = "repair"
	Warranty    Kind = "warranty"
	Recall      Kind = "recall"
	Battery     Kind = "battery"
)

// Kinds lists the kinds.
var Kinds = []Kind{Maintenance, Repair, Warranty, Recall, Battery}

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Maintenance:
		return "保养"
	case Repair:
		return "维修"
	case Warranty:
		return "质保"
	case Recall:
		return "召回"
	case Battery:
		return "三电"
	}
	return string(k)
}

func parseKind(v string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == v {
			return k, true
		}
	}
	return "", false
}

// Cause is what the diagnosis found the fault to come from; only a quality
// fault (or a recall) can be borne by warranty.
type Cause string

// Causes.
const (
	Quality       Cause = "quality"
	Wear          Cause = "wear"
	Accident      Cause = "accident"
	MaintenanceDo Cause = "maintenance"
)

// Causes lists the causes.
var Causes = []Cause{Quality, Wear, Accident, MaintenanceDo}

// Label is the cause's Chinese name.
func (c Cause) Label() string {
	switch c {
	case Quality:
		return "产品质量故障"
	case Wear:
		return "正常磨损"
	case Accident:
		return "事故或使用不当"
	case MaintenanceDo:
		return "定期保养"
	}
	return string(c)
}

func parseCause(v string) (Cause, bool) {
	for _, c := range Causes {
		if string(c) == v {
			return c, true
		}
	}
	return "", false
}

// Payer is who pays a line.
type Payer string

// Payers.
const (
	Owner     Payer = "owner"
	WarrantyP Payer = "warranty"
)

// Label is the payer's Chinese name.
func (p Payer) Label() string {
	if p == WarrantyP {
		return "质保"
	}
	return "车主自费"
}

// Scope is the warranty that can cover an operation or a part category.
type Scope string

// Scopes.
const (
	ScopeVehicle Scope = "vehicle"
	ScopeBattery Scope = "battery"
	ScopeNone    Scope = "none"
)

// Label is the scope's Chinese name.
func (s Scope) Label() string {
	switch s {
	case ScopeVehicle:
		return "整车质保"
	case ScopeBattery:
		return "电池质保"
	}
	return "不在质保范围（保养件、易损件）"
}

// WorkOrder is one work order with what the pages show of it.
type WorkOrder struct {
	ID             int64
	Code           string
	AppointmentID  int64 // 0 for a walk-in
	SiteID         int64
	SiteName       string
	VehicleID      int64
	VehicleName    string
	Plate          string
	VIN            string
	CustomerID     int64
	CustomerName   string
	CustomerMobile string // masked for staff
	TechnicianID   int64
	TechnicianName string
	Bay            string
	Kind           Kind
	Status         Status
	Complaint      string
	Diagnosis      string
	FaultCodes     string
	Cause          Cause
	MileageKM      int
	LabourFen      int64
	PartsFen       int64
	TotalFen       int64 // what the owner pays (after DiscountFen)
	DiscountFen    int64 // a campaign coupon redeemed on it (ApplyDiscountTx)
	WarrantyFen    int64 // what warranty bears
	CancelReason   string
	OpenedAt       time.Time
	CompletedAt    *time.Time
	ClosedAt       *time.Time
	CancelledAt    *time.Time

	Labour []*LabourLine
	Parts  []*PartLine
	Rating *Rating
}

// Vehicle names the car: "启航 ES6 沪A12345".
func (w *WorkOrder) Vehicle() string { return strings.TrimSpace(w.VehicleName + " " + w.Plate) }

// GrossFen is the work order's full amount (owner-paid and warranty).
func (w *WorkOrder) GrossFen() int64 { return w.LabourFen + w.PartsFen }

// Allowed reports whether action may be taken on w now (status only).
func (w *WorkOrder) Allowed(a Action) bool {
	for _, s := range transitions[a].from {
		if w.Status == s {
			return true
		}
	}
	return false
}

// Blocked says why action a cannot be taken yet although the status allows
// it, or "" when it can: the same rules Act enforces.
func (w *WorkOrder) Blocked(a Action) string {
	if a == Complete {
		if strings.TrimSpace(w.Diagnosis) == "" {
			return "请先填写诊断结论"
		}
		if len(w.Labour) == 0 && len(w.Parts) == 0 {
			return "请先添加工时或用料"
		}
	}
	return ""
}

// LabourLine is one labour line.
type LabourLine struct {
	ID             int64
	OperationID    int64
	OperationCode  string
	Description    string
	Minutes        int
	RateFen        int64
	AmountFen      int64
	TechnicianID   int64
	TechnicianName string
	Payer          Payer
	PayerReason    string
	PayerOverride  bool
}

// Hours is the standard time in hours, e.g. "1.5".
func (l *LabourLine) Hours() string { return hours(l.Minutes) }

func hours(minutes int) string {
	h := float64(minutes) / 60
	s := strings.TrimRight(strings.TrimRight(formatFloat(h), "0"), ".")
	return s
}

// PartLine is one parts line.
type PartLine struct {
	ID            int64
	PartID        int64
	SKU           string
	Name          string
	Category      string
	Unit          string
	Quantity      int
	UnitPriceFen  int64
	AmountFen     int64
	Payer         Payer
	PayerReason   string
	PayerOverride bool
	Returned      bool
}

// Operation is a standard operation of the catalogue.
type Operation struct {
	ID              int64
	Code            string
	Name            string
	Category        string
	StandardMinutes int
	Scope           Scope
}

// Hours is the standard time in hours.
func (o *Operation) Hours() string { return hours(o.StandardMinutes) }

// CategoryLabel is the operation category's Chinese name.
func (o *Operation) CategoryLabel() string {
	return map[string]string{"maintenance": "保养", "diagnosis": "诊断", "repair": "维修", "battery": "三电", "body": "钣金外饰"}[o.Category]
}

// Rating is an owner's rating of a handed-over work order.
type Rating struct {
	ID        int64
	Rating    int
	Tags      []string
	Comment   string
	CreatedAt time.Time
}

// RatingTags are the tags an owner may pick.
var RatingTags = []string{"服务热情", "维修专业", "交车准时", "价格透明", "环境整洁", "等待太久", "沟通不清", "问题未解决", "费用偏高"}
