package workorder

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Service runs work orders.
type Service struct {
	db      *db.DB
	booking *booking.Service
	now     func() time.Time
	inv     *inventory.Service
	// onCancel runs in the transaction of every cancellation (OnCancel).
	onCancel []CancelHook
}

// NewService returns a Service on d; bk reads the appointments a work order
// is opened from; now may be nil for time.Now.
func NewService(d *db.DB, bk *booking.Service, now func() time.Time) *Service {
	return &Service{db: d, booking: bk, now: db.UTC(now)}
}

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

var (
	errNotFound  = apperr.New(apperr.NotFound, "工单不存在")
	errNotStaff  = apperr.New(apperr.Forbidden, "只有服务顾问可以处理工单")
	errChanged   = apperr.New(apperr.Conflict, "工单已被他人修改，请刷新后重试")
	errNotEdible = "工单当前为「%s」，不能再修改"
)

const woColumns = `w.id, w.code, COALESCE(w.appointment_id, 0), w.site_id, st.name, w.vehicle_id, m.name, COALESCE(v.plate, ''), v.vin,
	w.customer_id, c.name, c.mobile, COALESCE(w.technician_user_id, 0), COALESCE(t.display_name, ''), w.bay, w.kind, w.status,
	w.complaint, w.diagnosis, w.fault_codes, w.fault_cause, w.mileage_km, w.labour_fen, w.parts_fen, w.total_fen, w.warranty_fen,
	w.cancel_reason, w.opened_at, w.completed_at, w.closed_at, w.cancelled_at, w.discount_fen`

const woFrom = ` FROM work_orders w
	JOIN sites st ON st.id = w.site_id
	JOIN vehicles v ON v.id = w.vehicle_id
	JOIN vehicle_models m ON m.id = v.model_id
	JOIN customers c ON c.id = w.customer_id
	LEFT JOIN users t ON t.id = w.technician_user_id`

func scanWO(row interface{ Scan(...any) error }) (*WorkOrder, error) {
	var w WorkOrder
	var completed, closed, cancelled sql.NullTime
	err := row.Scan(&w.ID, &w.Code, &w.AppointmentID, &w.SiteID, &w.SiteName, &w.VehicleID, &w.VehicleName, &w.Plate, &w.VIN,
		&w.CustomerID, &w.CustomerName, &w.CustomerMobile, &w.TechnicianID, &w.TechnicianName, &w.Bay, &w.Kind, &w.Status,
		&w.Complaint, &w.Diagnosis, &w.FaultCodes, &w.Cause, &w.MileageKM, &w.LabourFen, &w.PartsFen, &w.TotalFen, &w.WarrantyFen,
		&w.CancelReason, &w.OpenedAt, &completed, &closed, &cancelled, &w.DiscountFen)
	if err != nil {
		return nil, err
	}
	w.CompletedAt, w.ClosedAt, w.CancelledAt = timePtr(completed), timePtr(closed), timePtr(cancelled)
	return &w, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// canSee reports whether actor may see w: service staff of its center, an
// admin, or the owner whose car it is.
func canSee(actor *identity.User, w *WorkOrder) bool {
	switch {
	case actor.Is(identity.RoleAdmin):
		return true
	case actor.Is(identity.RoleService):
		return actor.SiteID != 0 && actor.SiteID == w.SiteID
	case actor.Is(identity.RoleOwner):
		return actor.CustomerID != 0 && actor.CustomerID == w.CustomerID
	}
	return false
}

// canWork reports whether actor may change w: service staff of its center
// or an admin.
func canWork(actor *identity.User, w *WorkOrder) bool {
	return actor.Is(identity.RoleAdmin) || actor.Is(identity.RoleService) && actor.SiteID != 0 && actor.SiteID == w.SiteID
}

// load reads work order id without lines.
func (s *Service) load(ctx context.Context, q db.Querier, id int64) (*WorkOrder, error) {
	w, err := scanWO(q.QueryRowContext(ctx, `SELECT `+woColumns+woFrom+` WHERE w.id = $1`, id))
	if db.NoRows(err) {
		return nil, errNotFound
	}
	return w, err
}

// loadLines fills w's labour and parts lines and its rating.
func (s *Service) loadLines(ctx context.Context, q db.Querier, w *WorkOrder) error {
	rows, err := q.QueryContext(ctx, `SELECT l.id, COALESCE(l.operation_id, 0), COALESCE(o.code, ''), l.description, l.minutes, l.rate_fen,
		l.amount_fen, COALESCE(l.technician_user_id, 0), COALESCE(u.display_name, ''), l.payer, l.payer_reason, l.payer_override
		FROM work_order_labour l LEFT JOIN service_operations o ON o.id = l.operation_id LEFT JOIN users u ON u.id = l.technician_user_id
		WHERE l.work_order_id = $1 ORDER BY l.id`, w.ID)
	if err != nil {
		return err
	}
	w.Labour = nil
	for rows.Next() {
		var l LabourLine
		if err := rows.Scan(&l.ID, &l.OperationID, &l.OperationCode, &l.Description, &l.Minutes, &l.RateFen, &l.AmountFen,
			&l.TechnicianID, &l.TechnicianName, &l.Payer, &l.PayerReason, &l.PayerOverride); err != nil {
			rows.Close()
			return err
		}
		w.Labour = append(w.Labour, &l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT p.id, p.part_id, pt.sku, pt.name, pt.category, pt.unit, p.quantity, p.unit_price_fen, p.amount_fen,
		p.payer, p.payer_reason, p.payer_override, p.returned
		FROM work_order_parts p JOIN parts pt ON pt.id = p.part_id WHERE p.work_order_id = $1 ORDER BY p.id`, w.ID)
	if err != nil {
		return err
	}
	w.Parts = nil
	for rows.Next() {
		var p PartLine
		if err := rows.Scan(&p.ID, &p.PartID, &p.SKU, &p.Name, &p.Category, &p.Unit, &p.Quantity, &p.UnitPriceFen, &p.AmountFen,
			&p.Payer, &p.PayerReason, &p.PayerOverride, &p.Returned); err != nil {
			rows.Close()
			return err
		}
		w.Parts = append(w.Parts, &p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	r, err := loadRating(ctx, q, w.ID)
	if err != nil {
		return err
	}
	w.Rating = r
	return nil
}

// mask hides the customer's mobile from everyone but the customer.
func mask(actor *identity.User, w *WorkOrder) {
	if !actor.Is(identity.RoleOwner) || actor.CustomerID != w.CustomerID {
		w.CustomerMobile = identity.MaskMobile(w.CustomerMobile)
	}
}

// Get returns work order id with its lines and rating. Service staff of its
// center, admins and the owner of the car may read it; anyone else gets
// NotFound (also for an id that does not exist), so ids cannot be probed.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	w, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, w) {
		return nil, errNotFound
	}
	if err := s.loadLines(ctx, s.db, w); err != nil {
		return nil, err
	}
	mask(actor, w)
	return w, nil
}

// History returns an audited record's events for work order id, newest
// first; the caller must be allowed to see it (as Get).
func (s *Service) History(ctx context.Context, actor *identity.User, id int64) ([]audit.Event, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return audit.History(ctx, s.db, "work_orders", id, 50)
}

// OpenInput opens a work order: from an appointment in service
// (AppointmentID), or for a walk-in (VehicleKey: plate or VIN).
type OpenInput struct {
	AppointmentID int64
	VehicleKey    string
	SiteID        int64 // walk-ins opened by an admin: the service center
	Kind          string
	Complaint     string
	FaultCodes    string
	MileageKM     int
	TechnicianID  int64
	Bay           string
}

// Open opens a work order and returns it. Only service staff (at their own
// center) and admins may (Forbidden otherwise). From an appointment: it must
// be a repair appointment the actor may handle (NotFound otherwise) whose
// service has started (Conflict otherwise) and without a live work order
// (Conflict). For a walk-in the vehicle is found by plate or VIN (Invalid
// on vehicle_key when unknown). Bad fields are Invalid naming the field
// (kind, complaint, fault_codes, mileage_km, technician_id, bay, site_id).
func (s *Service) Open(ctx context.Context, actor *identity.User, in OpenInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	in.Complaint = strings.TrimSpace(in.Complaint)
	in.FaultCodes = normCodes(in.FaultCodes)
	in.Bay = strings.TrimSpace(in.Bay)
	in.VehicleKey = strings.ToUpper(strings.TrimSpace(in.VehicleKey))
	var siteID, vehicleID, customerID, apptID int64
	if in.AppointmentID != 0 {
		a, err := s.booking.Get(ctx, actor, in.AppointmentID)
		if err != nil {
			return nil, err
		}
		if actor.Is(identity.RoleService) && a.SiteID != actor.SiteID {
			return nil, apperr.New(apperr.NotFound, "预约不存在")
		}
		if a.Kind != booking.Repair {
			return nil, apperr.New(apperr.Conflict, "只有维修保养预约可以开工单")
		}
		if a.Status != booking.InProgress {
			return nil, apperr.New(apperr.Conflict, fmt.Sprintf("预约当前为「%s」，开始服务后才能开工单", a.Status.Label()))
		}
		if a.VehicleID == 0 {
			return nil, apperr.New(apperr.Conflict, "该预约没有登记车辆，请按散客开单")
		}
		siteID, vehicleID, customerID, apptID = a.SiteID, a.VehicleID, a.CustomerID, a.ID
		if in.TechnicianID == 0 {
			in.TechnicianID = a.TechnicianID
		}
		if in.Bay == "" {
			in.Bay = a.Bay
		}
		if in.Complaint == "" {
			in.Complaint = strings.TrimSpace(a.Note)
		}
	} else {
		siteID = actor.SiteID
		if actor.Is(identity.RoleAdmin) {
			siteID = in.SiteID
		}
	}
	kind, ok := parseKind(in.Kind)
	var v apperr.Validator
	v.Check(ok, "kind", "请选择工单类型")
	v.Check(in.Complaint != "", "complaint", "请填写客户描述的故障或需求")
	v.Check(utf8.RuneCountInString(in.Complaint) <= maxComplaint, "complaint", fmt.Sprintf("故障描述不能超过 %d 个字", maxComplaint))
	v.Check(utf8.RuneCountInString(in.FaultCodes) <= maxFaultCodes, "fault_codes", fmt.Sprintf("故障码不能超过 %d 个字符", maxFaultCodes))
	v.Check(in.MileageKM > 0 && in.MileageKM <= maxMileage, "mileage_km", "请填写进厂里程（公里，大于 0）")
	v.Check(utf8.RuneCountInString(in.Bay) <= maxBay, "bay", fmt.Sprintf("工位不能超过 %d 个字", maxBay))
	if apptID == 0 {
		v.Check(in.VehicleKey != "", "vehicle_key", "请填写车牌号或车架号（VIN）")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := checkCenter(ctx, tx, siteID); err != nil {
			return err
		}
		if apptID == 0 {
			err := tx.QueryRowContext(ctx, `SELECT id, customer_id FROM vehicles WHERE vin = $1 OR plate = $1`, in.VehicleKey).Scan(&vehicleID, &customerID)
			if db.NoRows(err) {
				return apperr.Field("vehicle_key", "没有找到该车牌号或车架号的车辆")
			}
			if err != nil {
				return err
			}
		}
		if in.TechnicianID != 0 {
			if err := checkTechnician(ctx, tx, in.TechnicianID, siteID); err != nil {
				return err
			}
		}
		cause := Quality
		if kind == Maintenance {
			cause = MaintenanceDo
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO work_orders (code, appointment_id, site_id, vehicle_id, customer_id, technician_user_id,
			kind, status, complaint, fault_codes, fault_cause, mileage_km, bay, opened_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			fmt.Sprintf("tmp-%d-%d", now.UnixNano(), actor.ID), nullID(apptID), siteID, vehicleID, customerID, nullID(in.TechnicianID),
			string(kind), in.Complaint, in.FaultCodes, string(cause), in.MileageKM, in.Bay, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "该预约已有工单，请打开已有工单")
		}
		if err != nil {
			return err
		}
		code := Code(now, id)
		if _, err := tx.ExecContext(ctx, `UPDATE work_orders SET code = $1 WHERE id = $2`, code, id); err != nil {
			return err
		}
		detail := map[string]any{"code": code, "kind": kind, "mileage_km": in.MileageKM}
		if apptID != 0 {
			detail["appointment_id"] = apptID
		} else {
			detail["walk_in"] = true
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.open", Entity: "work_orders", EntityID: id, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// Code is the work order number of id opened at t: "WO20261129" + 7 digits.
func Code(t time.Time, id int64) string {
	return fmt.Sprintf("WO%s%07d", t.In(site.Shanghai).Format("20060102"), id)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// normCodes tidies a list of fault codes: upper case, separated by "，" or
// spaces or commas, written back as "P0A80, U0100".
func normCodes(s string) string {
	f := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\t'
	})
	return strings.Join(f, ", ")
}

func checkCenter(ctx context.Context, q db.Querier, siteID int64) error {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, siteID).Scan(&kind)
	if db.NoRows(err) || err == nil && kind != string(site.ServiceCenter) {
		return apperr.Field("site_id", "请选择一个服务中心")
	}
	return err
}

func checkTechnician(ctx context.Context, q db.Querier, userID, siteID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'service' AND active = $2 AND site_id = $3`,
		userID, true, siteID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("technician_id", "请选择本服务中心的技师")
	}
	return nil
}

// UpdateInput is the work order's details as the edit form holds them.
type UpdateInput struct {
	Kind         string
	Complaint    string
	Diagnosis    string
	FaultCodes   string
	Cause        string
	MileageKM    int
	TechnicianID int64
	Bay          string
}

// Update changes the details of work order id while it is editable (open,
// in progress or waiting for parts; Conflict otherwise) and decides the
// warranty of every line again that staff did not override. Only service
// staff of its center and admins may (Forbidden for other roles, NotFound
// out of scope); bad fields are Invalid naming the field.
func (s *Service) Update(ctx context.Context, actor *identity.User, id int64, in UpdateInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	in.Complaint, in.Diagnosis, in.Bay = strings.TrimSpace(in.Complaint), strings.TrimSpace(in.Diagnosis), strings.TrimSpace(in.Bay)
	in.FaultCodes = normCodes(in.FaultCodes)
	kind, kok := parseKind(in.Kind)
	cause, cok := parseCause(in.Cause)
	var v apperr.Validator
	v.Check(kok, "kind", "请选择工单类型")
	v.Check(cok, "cause", "请选择故障原因")
	v.Check(in.Complaint != "", "complaint", "请填写客户描述的故障或需求")
	v.Check(utf8.RuneCountInString(in.Complaint) <= maxComplaint, "complaint", fmt.Sprintf("故障描述不能超过 %d 个字", maxComplaint))
	v.Check(utf8.RuneCountInString(in.Diagnosis) <= maxDiagnosis, "diagnosis", fmt.Sprintf("诊断结论不能超过 %d 个字", maxDiagnosis))
	v.Check(utf8.RuneCountInString(in.FaultCodes) <= maxFaultCodes, "fault_codes", fmt.Sprintf("故障码不能超过 %d 个字符", maxFaultCodes))
	v.Check(in.MileageKM > 0 && in.MileageKM <= maxMileage, "mileage_km", "请填写进厂里程（公里，大于 0）")
	v.Check(utf8.RuneCountInString(in.Bay) <= maxBay, "bay", fmt.Sprintf("工位不能超过 %d 个字", maxBay))
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if in.TechnicianID != 0 && in.TechnicianID != w.TechnicianID {
			if err := checkTechnician(ctx, tx, in.TechnicianID, w.SiteID); err != nil {
				return err
			}
		}
		changes := map[string]any{}
		diff := func(name string, from, to any) {
			if from != to {
				changes[name] = []any{from, to}
			}
		}
		diff("kind", string(w.Kind), string(kind))
		diff("cause", string(w.Cause), string(cause))
		diff("complaint", w.Complaint, in.Complaint)
		diff("diagnosis", w.Diagnosis, in.Diagnosis)
		diff("fault_codes", w.FaultCodes, in.FaultCodes)
		diff("mileage_km", w.MileageKM, in.MileageKM)
		diff("technician_id", w.TechnicianID, in.TechnicianID)
		diff("bay", w.Bay, in.Bay)
		if len(changes) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE work_orders SET kind = $1, fault_cause = $2, complaint = $3, diagnosis = $4, fault_codes = $5,
			mileage_km = $6, technician_user_id = $7, bay = $8, updated_at = $9 WHERE id = $10 AND status = $11`,
			string(kind), string(cause), in.Complaint, in.Diagnosis, in.FaultCodes, in.MileageKM, nullID(in.TechnicianID), in.Bay, now, id, string(w.Status))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if err := s.redecide(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.update", Entity: "work_orders", EntityID: id, Detail: changes})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// editable loads w in tx for a change by actor: in scope and editable.
func (s *Service) editable(ctx context.Context, tx *sql.Tx, actor *identity.User, id int64) (*WorkOrder, error) {
	w, err := s.load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !canWork(actor, w) {
		return nil, errNotFound
	}
	if !w.Status.Editable() {
		return nil, apperr.New(apperr.Conflict, fmt.Sprintf(errNotEdible, w.Status.Label()))
	}
	return w, nil
}

// Operations returns the active standard operations of the catalogue, by
// category and code. Staff and admins may read it (Forbidden otherwise).
func (s *Service) Operations(ctx context.Context, actor *identity.User) ([]*Operation, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name, category, standard_minutes, warranty_scope FROM service_operations
		WHERE active = $1 ORDER BY CASE category WHEN 'maintenance' THEN 1 WHEN 'diagnosis' THEN 2 WHEN 'repair' THEN 3 WHEN 'battery' THEN 4 ELSE 5 END, id`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Operation
	for rows.Next() {
		var o Operation
		if err := rows.Scan(&o.ID, &o.Code, &o.Name, &o.Category, &o.StandardMinutes, &o.Scope); err != nil {
			return nil, err
		}
		out = append(out, &o)
	}
	return out, rows.Err()
}

// HourlyRate returns the hourly labour rate of a center in fen
// (DefaultHourlyRateFen when it has none set).
func HourlyRate(ctx context.Context, q db.Querier, siteID int64) (int64, error) {
	var r int64
	err := q.QueryRowContext(ctx, `SELECT hourly_rate_fen FROM labour_rates WHERE site_id = $1`, siteID).Scan(&r)
	if db.NoRows(err) {
		return DefaultHourlyRateFen, nil
	}
	return r, err
}

// HourlyRate returns the hourly labour rate of a center, for the labour
// form's hint.
func (s *Service) HourlyRate(ctx context.Context, siteID int64) (int64, error) {
	return HourlyRate(ctx, s.db, siteID)
}

// LabourInput adds a labour line.
type LabourInput struct {
	OperationID  int64
	TechnicianID int64 // 0: the work order's lead technician
}

// AddLabour adds a labour line from the catalogue to work order id: the
// operation's standard minutes at the center's hourly rate, paid as the
// warranty rules decide. Only while editable (Conflict otherwise); staff of
// its center and admins only. An unknown operation or a technician of
// another center is Invalid (operation_id, technician_id).
func (s *Service) AddLabour(ctx context.Context, actor *identity.User, id int64, in LabourInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var op Operation
		err = tx.QueryRowContext(ctx, `SELECT id, code, name, category, standard_minutes, warranty_scope FROM service_operations WHERE id = $1 AND active = $2`,
			in.OperationID, true).Scan(&op.ID, &op.Code, &op.Name, &op.Category, &op.StandardMinutes, &op.Scope)
		if db.NoRows(err) {
			return apperr.Field("operation_id", "请从标准作业目录中选择作业项目")
		}
		if err != nil {
			return err
		}
		tech := in.TechnicianID
		if tech == 0 {
			tech = w.TechnicianID
		} else if err := checkTechnician(ctx, tx, tech, w.SiteID); err != nil {
			return err
		}
		if err := s.checkLineCount(ctx, tx, id); err != nil {
			return err
		}
		rate, err := HourlyRate(ctx, tx, w.SiteID)
		if err != nil {
			return err
		}
		amount := rate * int64(op.StandardMinutes) / 60
		wc, err := s.warrantyContext(ctx, tx, id)
		if err != nil {
			return err
		}
		d := wc.decide(op.Scope)
		var lineID int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_order_labour (work_order_id, operation_id, description, minutes, rate_fen, amount_fen,
			technician_user_id, payer, payer_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			id, op.ID, op.Name, op.StandardMinutes, rate, amount, nullID(tech), string(d.Payer), d.Reason).Scan(&lineID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, id, w.Status, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.add_labour", Entity: "work_orders", EntityID: id,
			Detail: map[string]any{"line_id": lineID, "operation": op.Code, "minutes": op.StandardMinutes, "amount_fen": amount, "payer": d.Payer}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

func (s *Service) checkLineCount(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM work_order_labour WHERE work_order_id = $1)
		+ (SELECT COUNT(*) FROM work_order_parts WHERE work_order_id = $1)`, id).Scan(&n); err != nil {
		return err
	}
	if n >= maxLines {
		return apperr.New(apperr.Conflict, fmt.Sprintf("一个工单最多 %d 行明细", maxLines))
	}
	return nil
}

// RemoveLabour removes labour line lineID from work order id while it is
// editable; as AddLabour for who may. An unknown line is NotFound.
func (s *Service) RemoveLabour(ctx context.Context, actor *identity.User, id, lineID int64) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var desc string
		var amount int64
		err = tx.QueryRowContext(ctx, `DELETE FROM work_order_labour WHERE id = $1 AND work_order_id = $2 RETURNING description, amount_fen`,
			lineID, id).Scan(&desc, &amount)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "工时明细不存在")
		}
		if err != nil {
			return err
		}
		if err := s.touch(ctx, tx, id, w.Status, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.remove_labour", Entity: "work_orders", EntityID: id,
			Detail: map[string]any{"line_id": lineID, "description": desc, "amount_fen": amount}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// touch recomputes the totals of work order id and marks it changed, as
// long as it is still in status st (errChanged otherwise).
// ownerSum is what the owner's lines of work order $1 come to before a
// campaign coupon's discount (work_orders.discount_fen) is taken off.
const ownerSum = `((SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_labour WHERE work_order_id = $1 AND payer = 'owner')
			+ (SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_parts WHERE work_order_id = $1 AND payer = 'owner' AND returned = FALSE))`

func (s *Service) touch(ctx context.Context, tx *sql.Tx, id int64, st Status, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE work_orders SET
		labour_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_labour WHERE work_order_id = $1),
		parts_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_parts WHERE work_order_id = $1 AND returned = FALSE),
		total_fen = CASE WHEN `+ownerSum+` > discount_fen THEN `+ownerSum+` - discount_fen ELSE 0 END,
		warranty_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_labour WHERE work_order_id = $1 AND payer = 'warranty')
			+ (SELECT COALESCE(SUM(amount_fen), 0) FROM work_order_parts WHERE work_order_id = $1 AND payer = 'warranty' AND returned = FALSE),
		updated_at = $2
		WHERE id = $1 AND status = $3`, id, now, string(st))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errChanged
	}
	return nil
}

// PayerInput overrides who pays one line.
type PayerInput struct {
	Line   string // "labour" or "part"
	LineID int64
	// Payer is "owner" or "warranty"; "auto" returns the line to the
	// system's decision.
	Payer  string
	Reason string
}

// SetPayer overrides the system's warranty decision for one line of work
// order id (or, with Payer "auto", returns it to the decision). A reason is
// required for an override (Invalid on reason); the change is audited with
// the system's decision beside it. Only while editable; staff of its center
// and admins only. An unknown line is NotFound.
func (s *Service) SetPayer(ctx context.Context, actor *identity.User, id int64, in PayerInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	in.Reason = strings.TrimSpace(in.Reason)
	table := map[string]string{"labour": "work_order_labour", "part": "work_order_parts"}[in.Line]
	var v apperr.Validator
	v.Check(table != "", "line", "明细类型无效")
	v.Check(in.Payer == "owner" || in.Payer == "warranty" || in.Payer == "auto", "payer", "请选择质保或车主自费")
	v.Check(in.Payer == "auto" || in.Reason != "", "reason", "改判须填写原因")
	v.Check(utf8.RuneCountInString(in.Reason) <= maxReason, "reason", fmt.Sprintf("原因不能超过 %d 个字", maxReason))
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var from Payer
		err = tx.QueryRowContext(ctx, `SELECT payer FROM `+table+` WHERE id = $1 AND work_order_id = $2`, in.LineID, id).Scan(&from)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "明细不存在")
		}
		if err != nil {
			return err
		}
		wc, err := s.warrantyContext(ctx, tx, id)
		if err != nil {
			return err
		}
		scope, err := lineScope(ctx, tx, in.Line, in.LineID)
		if err != nil {
			return err
		}
		d := wc.decide(scope)
		payer, reason, override := d.Payer, d.Reason, false
		if in.Payer != "auto" {
			payer, reason, override = Payer(in.Payer), "人工改判："+in.Reason, Payer(in.Payer) != d.Payer
			if !override {
				reason = d.Reason
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET payer = $1, payer_reason = $2, payer_override = $3 WHERE id = $4`,
			string(payer), reason, override, in.LineID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, id, w.Status, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.payer_override", Entity: "work_orders", EntityID: id,
			Detail: map[string]any{"line": in.Line, "line_id": in.LineID, "from": from, "to": payer, "system": d.Payer, "reason": in.Reason}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// ActInput carries what some actions need.
type ActInput struct {
	Reason string // cancel
}

// Act takes a step of the status machine on work order id. Complete needs a
// diagnosis and at least one line (Conflict otherwise); hand-over asks the
// owner to rate the service (a notification in the same transaction);
// cancel needs a reason (Invalid on reason), returns the issued parts to
// stock, drops the coupon discount and runs the OnCancel hooks (a redeemed
// campaign coupon goes back to the owner). A step the status does not allow is Conflict. Only service staff
// of its center and admins may (Forbidden for other roles, NotFound out of
// scope); an unknown action is NotFound.
func (s *Service) Act(ctx context.Context, actor *identity.User, id int64, name string, in ActInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	action, ok := ParseAction(name)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "未知操作")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if action == Cancel {
		var v apperr.Validator
		v.Check(in.Reason != "", "reason", "请填写取消原因")
		v.Check(utf8.RuneCountInString(in.Reason) <= maxReason, "reason", fmt.Sprintf("取消原因不能超过 %d 个字", maxReason))
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canWork(actor, w) {
			return errNotFound
		}
		if !w.Allowed(action) {
			return apperr.New(apperr.Conflict, fmt.Sprintf("工单当前为「%s」，不能%s", w.Status.Label(), action.Label()))
		}
		if err := s.loadLines(ctx, tx, w); err != nil {
			return err
		}
		if why := w.Blocked(action); why != "" {
			return apperr.New(apperr.Conflict, why)
		}
		set := ""
		args := []any{string(action.To()), now, id, string(w.Status)}
		switch action {
		case Complete:
			set = ", completed_at = $2"
		case HandOver:
			set = ", closed_at = $2"
		case Cancel:
			set = ", cancelled_at = $2, cancel_reason = $5, discount_fen = 0" // a redeemed coupon comes back through OnCancel
			args = append(args, in.Reason)
		}
		res, err := tx.ExecContext(ctx, `UPDATE work_orders SET status = $1, updated_at = $2`+set+` WHERE id = $3 AND status = $4`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		detail := map[string]any{"from": w.Status, "to": action.To()}
		switch action {
		case Cancel:
			detail["reason"] = in.Reason
			if err := s.returnParts(ctx, tx, actor, w, now); err != nil {
				return err
			}
			if err := s.touch(ctx, tx, id, Cancelled, now); err != nil {
				return err
			}
			for _, h := range s.onCancel {
				if err := h(ctx, tx, actor, w, now); err != nil {
					return err
				}
			}
		case HandOver:
			if err := notifyRate(ctx, tx, w, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order." + strings.ReplaceAll(string(action), "-", "_"),
			Entity: "work_orders", EntityID: id, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// notifyRate asks the owner of w to rate the service, linking to the
// record on their vehicle page.
func notifyRate(ctx context.Context, tx *sql.Tx, w *WorkOrder, now time.Time) error {
	_, err := notify.NotifyCustomer(ctx, tx, w.CustomerID, notify.Notification{
		Kind: notify.WorkOrderHandedOver, Title: "车辆已交车，请为本次服务评分", CreatedAt: now,
		Link: fmt.Sprintf("/owner/work-orders/%d", w.ID),
		Body: fmt.Sprintf("%s已完成您%s的%s（工单 %s），应付 %s。请花一分钟为本次服务评分（1–5 星）。",
			w.SiteName, w.Vehicle(), w.Kind.Label(), w.Code, Yuan(w.TotalFen)),
	})
	return err
}

// Yuan formats fen as "¥1,234.50".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, s, fen%100)
}

// CheckAppointment is the rule booking applies before it completes an
// appointment (registered in internal/app): a repair appointment needs its
// work order completed or handed over. It reads through q, the completing
// transaction.
func CheckAppointment(ctx context.Context, q db.Querier, a *booking.Appointment) error {
	if a.Kind != booking.Repair {
		return nil
	}
	var code string
	var st Status
	err := q.QueryRowContext(ctx, `SELECT code, status FROM work_orders WHERE appointment_id = $1 AND status <> 'cancelled'`, a.ID).Scan(&code, &st)
	if db.NoRows(err) {
		return apperr.New(apperr.Conflict, "维修保养预约须先开工单并完工，才能完成服务")
	}
	if err != nil {
		return err
	}
	if !st.Done() {
		return apperr.New(apperr.Conflict, fmt.Sprintf("工单 %s 当前为「%s」，完工后才能完成服务", code, st.Label()))
	}
	return nil
}

// ForAppointments returns the live work order (id and status) of each of
// the appointments ids, for the queue's "开工单" / "查看工单" links.
func (s *Service) ForAppointments(ctx context.Context, actor *identity.User, ids []int64) (map[int64]Ref, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	out := map[int64]Ref{}
	if len(ids) == 0 || !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return out, nil
	}
	args := make([]any, 0, len(ids))
	ph := make([]string, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
		ph = append(ph, "$"+strconv.Itoa(len(args)))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT appointment_id, id, code, status FROM work_orders
		WHERE status <> 'cancelled' AND appointment_id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a int64
		var r Ref
		if err := rows.Scan(&a, &r.ID, &r.Code, &r.Status); err != nil {
			return nil, err
		}
		out[a] = r
	}
	return out, rows.Err()
}

// Ref names a work order.
type Ref struct {
	ID     int64
	Code   string
	Status Status
}
