package sales

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Car is a test-drive car of a store.
type Car struct {
	ID         int64     `json:"id"`
	StoreID    int64     `json:"store_id"`
	StoreName  string    `json:"store_name"`
	ModelID    int64     `json:"model_id"`
	ModelName  string    `json:"model_name"`
	Powertrain string    `json:"powertrain"`
	Plate      string    `json:"plate"`
	Color      string    `json:"color"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

// Title is the car as a list names it: model and plate.
func (c *Car) Title() string { return c.ModelName + " · " + c.Plate }

const carColumns = `k.id, k.store_id, st.name, k.model_id, m.name, m.powertrain, k.plate, k.color, k.active, k.created_at`
const carFrom = ` FROM test_drive_cars k JOIN sites st ON st.id = k.store_id JOIN vehicle_models m ON m.id = k.model_id`

func scanCar(row interface{ Scan(...any) error }) (*Car, error) {
	var c Car
	err := row.Scan(&c.ID, &c.StoreID, &c.StoreName, &c.ModelID, &c.ModelName, &c.Powertrain, &c.Plate, &c.Color, &c.Active, &c.CreatedAt)
	return &c, err
}

// Cars returns the test-drive cars of store storeID (0: the consultant's
// store; admins must name one), active first. NotFound for a store the
// actor does not see.
func (s *Service) Cars(ctx context.Context, actor *identity.User, storeID int64) ([]*Car, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	if storeID == 0 {
		storeID = actor.SiteID
	}
	if !sees(actor, storeID) {
		return nil, apperr.New(apperr.NotFound, "门店不存在")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+carColumns+carFrom+` WHERE k.store_id = $1 ORDER BY k.active DESC, m.name, k.id`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Car
	for rows.Next() {
		c, err := scanCar(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var errCarNotFound = apperr.New(apperr.NotFound, "试驾车不存在")

func (s *Service) car(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Car, error) {
	c, err := scanCar(q.QueryRowContext(ctx, `SELECT `+carColumns+carFrom+` WHERE k.id = $1`, id))
	if db.NoRows(err) || (err == nil && !sees(actor, c.StoreID)) {
		return nil, errCarNotFound
	}
	return c, err
}

// CarInput is a new test-drive car.
type CarInput struct {
	StoreID int64 // 0: the manager's store
	ModelID int64
	Plate   string
	Color   string
}

// AddCar adds a test-drive car to a store, audited (add_test_drive_car).
// Store managers (their store) and admins may call it (Forbidden
// otherwise); bad input is Invalid (store_id, model_id, plate, color); a
// plate in use is Invalid on plate.
func (s *Service) AddCar(ctx context.Context, actor *identity.User, in CarInput) (*Car, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	if in.StoreID == 0 {
		in.StoreID = actor.SiteID
	}
	in.Plate = strings.ToUpper(strings.TrimSpace(in.Plate))
	var v apperr.Validator
	v.Check(sees(actor, in.StoreID), "store_id", "请选择有效的门店")
	v.Check(vehicle.ValidPlate(in.Plate), "plate", "车牌须为 8 位新能源号牌，如 沪AD12345")
	text(&v, &in.Color, "color", 0, 20, "颜色不能超过 20 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !isManager(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有门店经理可以管理试驾车")
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, in.StoreID).Scan(&kind)
		if db.NoRows(err) || (err == nil && kind != "store") {
			return apperr.Field("store_id", "请选择有效的门店")
		}
		if err != nil {
			return err
		}
		m, err := vehicle.ModelByID(ctx, tx, in.ModelID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("model_id", "请选择有效的车型")
		}
		if err != nil {
			return err
		}
		if !vehicle.PlateFits(in.Plate, m.Powertrain) {
			return apperr.Field("plate", "号牌第三位须与动力类型一致：纯电 D，插混/增程 F")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_drive_cars WHERE plate = $1`, in.Plate).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Field("plate", "该车牌已登记为试驾车")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO test_drive_cars (store_id, model_id, plate, color, active, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.StoreID, in.ModelID, in.Plate, in.Color, true, now).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "add_test_drive_car", Entity: "test_drive_cars", EntityID: id,
			Detail: map[string]any{"plate": in.Plate, "model_id": in.ModelID, "store_id": in.StoreID}})
	})
	if err != nil {
		return nil, err
	}
	return s.car(ctx, s.db, actor, id)
}

// SetCarActive takes a test-drive car out of service or back (managers and
// admins), audited (retire_test_drive_car / restore_test_drive_car). A
// retired car keeps its bookings but takes no new ones.
func (s *Service) SetCarActive(ctx context.Context, actor *identity.User, id int64, active bool) error {
	if err := begin(actor); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.car(ctx, tx, actor, id); err != nil {
			return err
		}
		if !isManager(actor) {
			return apperr.New(apperr.Forbidden, "只有门店经理可以管理试驾车")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE test_drive_cars SET active = $1 WHERE id = $2`, active, id); err != nil {
			return err
		}
		action := "retire_test_drive_car"
		if active {
			action = "restore_test_drive_car"
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: action, Entity: "test_drive_cars", EntityID: id})
	})
}

// TestDrive is a booked test drive.
type TestDrive struct {
	ID           int64     `json:"id"`
	CustomerID   int64     `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	LeadID       int64     `json:"lead_id"`
	StoreID      int64     `json:"store_id"`
	StoreName    string    `json:"store_name"`
	ModelID      int64     `json:"model_id"`
	ModelName    string    `json:"model_name"`
	CarID        int64     `json:"car_id"` // 0 for test drives booked before cars were tracked
	Plate        string    `json:"plate"`
	OwnerID      int64     `json:"sales_user_id"`
	OwnerName    string    `json:"sales_user_name"`
	ScheduledAt  time.Time `json:"scheduled_at"`
	Status       string    `json:"status"`
	Outcome      string    `json:"outcome"`
	Feedback     string    `json:"feedback"`
	FinishedAt   time.Time `json:"finished_at"`
	CreatedAt    time.Time `json:"created_at"`
}

// StatusLabel and OutcomeLabel are the Chinese names.
func (t *TestDrive) StatusLabel() string { return TestDriveStatusLabel(t.Status) }

// OutcomeLabel is the outcome's Chinese name ("" when none).
func (t *TestDrive) OutcomeLabel() string {
	if t.Outcome == "" {
		return ""
	}
	return OutcomeLabel(t.Outcome)
}

const tdColumns = `t.id, t.customer_id, c.name, COALESCE(t.lead_id, 0), t.store_id, st.name, t.model_id, m.name, COALESCE(t.car_id, 0),
	COALESCE(k.plate, ''), COALESCE(t.sales_user_id, 0), COALESCE(u.display_name, ''), t.scheduled_at, t.status, t.outcome, t.feedback,
	t.finished_at, t.created_at`

const tdFrom = ` FROM test_drives t JOIN customers c ON c.id = t.customer_id JOIN sites st ON st.id = t.store_id
	JOIN vehicle_models m ON m.id = t.model_id LEFT JOIN test_drive_cars k ON k.id = t.car_id LEFT JOIN users u ON u.id = t.sales_user_id`

func scanTD(row interface{ Scan(...any) error }) (*TestDrive, error) {
	var t TestDrive
	var fin sql.NullTime
	err := row.Scan(&t.ID, &t.CustomerID, &t.CustomerName, &t.LeadID, &t.StoreID, &t.StoreName, &t.ModelID, &t.ModelName, &t.CarID, &t.Plate,
		&t.OwnerID, &t.OwnerName, &t.ScheduledAt, &t.Status, &t.Outcome, &t.Feedback, &fin, &t.CreatedAt)
	t.FinishedAt, t.ScheduledAt, t.CreatedAt = timeOf(fin), t.ScheduledAt.UTC(), t.CreatedAt.UTC()
	return &t, err
}

func (s *Service) testDrivesWhere(ctx context.Context, cond string, arg any) ([]*TestDrive, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tdColumns+tdFrom+` WHERE `+cond+` ORDER BY t.scheduled_at DESC, t.id DESC LIMIT 100`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*TestDrive
	for rows.Next() {
		t, err := scanTD(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Test drives take one hour, starting on the hour, inside the store's
// opening hours.
const TestDriveMinutes = 60

// BookInput books a test-drive car for a lead's customer.
type BookInput struct {
	LeadID int64
	CarID  int64
	Date   string // 2006-01-02, Shanghai
	Hour   int    // start hour, Shanghai
}

// Slot is one hour of a car's day.
type Slot struct {
	Hour     int
	Label    string // "14:00–15:00"
	Free     bool
	Past     bool
	Customer string // who booked it ("" when free; masked name for colleagues is not needed: same store)
}

// CarDay returns car id's hours on date (Shanghai) within its store's
// opening hours, each free or booked. NotFound for a car the actor does not
// see; a bad date is Invalid on "date".
func (s *Service) CarDay(ctx context.Context, actor *identity.User, id int64, date string) ([]Slot, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	day, ok := ParseDay(date)
	if !ok {
		return nil, apperr.Field("date", "请选择日期")
	}
	c, err := s.car(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	open, close, err := storeHours(ctx, s.db, c.StoreID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.scheduled_at, c.name FROM test_drives t JOIN customers c ON c.id = t.customer_id
		WHERE t.car_id = $1 AND t.status <> 'cancelled' AND t.scheduled_at >= $2 AND t.scheduled_at < $3`, id, day.UTC(), day.AddDate(0, 0, 1).UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	booked := map[int]string{}
	for rows.Next() {
		var at time.Time
		var name string
		if err := rows.Scan(&at, &name); err != nil {
			return nil, err
		}
		booked[at.In(Shanghai).Hour()] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []Slot
	for h := (open + 59) / 60; h*60+TestDriveMinutes <= close; h++ {
		at := day.Add(time.Duration(h) * time.Hour)
		name, taken := booked[h]
		out = append(out, Slot{Hour: h, Label: strconv.Itoa(h) + ":00–" + strconv.Itoa(h+1) + ":00", Free: !taken && at.After(now), Past: !at.After(now), Customer: name})
	}
	return out, nil
}

func storeHours(ctx context.Context, q db.Querier, storeID int64) (int, int, error) {
	var open, close int
	err := q.QueryRowContext(ctx, `SELECT open_minute, close_minute FROM sites WHERE id = $1`, storeID).Scan(&open, &close)
	return open, close, err
}

// BookTestDrive books car in.CarID for lead in.LeadID's customer for the
// hour in.Hour of in.Date (Shanghai). The database's unique index on (car,
// start) refuses a double booking even when two consultants book at the
// same instant: the loser gets Conflict. Audited (book_test_drive).
//
// The lead's owner, a store manager or an admin may call it (Forbidden for
// a colleague's lead; NotFound for another store's lead or car). A car of
// another store than the lead's, a retired car, an hour in the past or
// outside opening hours are Invalid naming the field (car_id, date, hour);
// a closed lead is Conflict.
func (s *Service) BookTestDrive(ctx context.Context, actor *identity.User, in BookInput) (*TestDrive, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	day, ok := ParseDay(in.Date)
	if !ok {
		return nil, apperr.Field("date", "请选择日期")
	}
	now := s.now()
	at := day.Add(time.Duration(in.Hour) * time.Hour).UTC()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		l, err := s.workLead(ctx, tx, actor, in.LeadID, false)
		if err != nil {
			return err
		}
		if l.Status == "lost" {
			return apperr.New(apperr.Conflict, "线索已流失，不能预约试驾")
		}
		c, err := s.car(ctx, tx, actor, in.CarID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("car_id", "请选择本门店的试驾车")
		}
		if err != nil {
			return err
		}
		open, close, err := storeHours(ctx, tx, c.StoreID)
		if err != nil {
			return err
		}
		var v apperr.Validator
		v.Check(c.StoreID == l.StoreID, "car_id", "请选择本门店的试驾车")
		v.Check(c.Active, "car_id", "该试驾车已停用")
		v.Check(in.Hour*60 >= open && in.Hour*60+TestDriveMinutes <= close, "hour", "请选择门店营业时间内的整点")
		v.Check(at.After(now), "hour", "不能预约已经过去的时间")
		v.Check(at.Before(now.AddDate(0, 0, 60)), "date", "只能预约 60 天以内的试驾")
		if err := v.Err(); err != nil {
			return err
		}
		owner := l.OwnerID
		if owner == 0 {
			owner = identity.ID(actor)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO test_drives (customer_id, lead_id, store_id, model_id, sales_user_id, scheduled_at, status, car_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8) RETURNING id`,
			l.CustomerID, l.ID, c.StoreID, c.ModelID, nullID(owner), at, c.ID, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errDoubleBooked
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET updated_at = $1 WHERE id = $2`, now, l.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "book_test_drive", Entity: "test_drives", EntityID: id,
			Detail: map[string]any{"lead_id": l.ID, "car_id": c.ID, "scheduled_at": at}})
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, in.LeadID)
	return s.testDrive(ctx, s.db, actor, id)
}

var errDoubleBooked = apperr.New(apperr.Conflict, "该试驾车这个时段已被预约，请换一个时段或车辆")

var errTDNotFound = apperr.New(apperr.NotFound, "试驾不存在")

func (s *Service) testDrive(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*TestDrive, error) {
	t, err := scanTD(q.QueryRowContext(ctx, `SELECT `+tdColumns+tdFrom+` WHERE t.id = $1`, id))
	if db.NoRows(err) || (err == nil && !sees(actor, t.StoreID)) {
		return nil, errTDNotFound
	}
	return t, err
}

// GetTestDrive returns test drive id (NotFound for another store's).
func (s *Service) GetTestDrive(ctx context.Context, actor *identity.User, id int64) (*TestDrive, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	return s.testDrive(ctx, s.db, actor, id)
}

// OutcomeInput is how a test drive ended.
type OutcomeInput struct {
	Status   string // done, no_show or cancelled
	Outcome  string // for done: interested, considering, not_interested
	Feedback string
}

// RecordOutcome closes scheduled test drive id: done with an outcome and
// feedback (the lead is marked test-driven with a store visit, the
// customer's journey reaches test_drive, an open deal at intent moves to
// test_drive with its history), no_show, or cancelled (the car's hour is
// free again). Done and no-show need the start time to have come. Audited
// (test_drive_outcome). The booking consultant, a store manager or an
// admin may call it; a closed test drive is Conflict; bad input Invalid
// (status, outcome, feedback).
func (s *Service) RecordOutcome(ctx context.Context, actor *identity.User, id int64, in OutcomeInput) (*TestDrive, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(in.Status == "done" || in.Status == "no_show" || in.Status == "cancelled", "status", "请选择试驾结果")
	if in.Status == "done" {
		v.Check(valid(Outcomes, in.Outcome), "outcome", "请选择客户意向")
	} else {
		in.Outcome = ""
	}
	text(&v, &in.Feedback, "feedback", 0, 500, "反馈不能超过 500 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.testDrive(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !works(actor, t.StoreID, t.OwnerID) {
			return errNotYours
		}
		if t.Status != "scheduled" {
			return apperr.New(apperr.Conflict, "试驾已"+t.StatusLabel()+"，不能再登记结果")
		}
		if in.Status != "cancelled" && t.ScheduledAt.After(now) {
			return apperr.Field("status", "试驾开始后才能登记完成或未到店")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE test_drives SET status = $1, outcome = $2, feedback = $3, finished_at = $4 WHERE id = $5`,
			in.Status, in.Outcome, in.Feedback, now, id); err != nil {
			return err
		}
		if in.Status == "done" {
			if t.LeadID != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE leads SET test_drive = $1, store_visits = store_visits + 1,
						status = CASE WHEN status IN ('new', 'contacted') THEN 'qualified' ELSE status END, updated_at = $2 WHERE id = $3`,
					true, now, t.LeadID); err != nil {
					return err
				}
				var oppID int64
				err := tx.QueryRowContext(ctx, `SELECT id FROM opportunities WHERE lead_id = $1 AND stage = 'intent' ORDER BY id LIMIT 1`, t.LeadID).Scan(&oppID)
				if err != nil && !db.NoRows(err) {
					return err
				}
				if oppID != 0 {
					if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET stage = 'test_drive', probability = $1, updated_at = $2 WHERE id = $3`,
						Probability["test_drive"], now, oppID); err != nil {
						return err
					}
					var amount int64
					if err := tx.QueryRowContext(ctx, `SELECT amount_fen FROM opportunities WHERE id = $1`, oppID).Scan(&amount); err != nil {
						return err
					}
					if err := addHistory(ctx, tx, oppID, "intent", "test_drive", identity.ID(actor), amount, "完成试驾", now); err != nil {
						return err
					}
				}
			}
			if err := customer.AdvanceStage(ctx, tx, t.CustomerID, "test_drive", now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "test_drive_outcome", Entity: "test_drives", EntityID: id,
			Detail: map[string]any{"status": in.Status, "outcome": in.Outcome}})
	})
	if err != nil {
		return nil, err
	}
	td, err := s.testDrive(ctx, s.db, actor, id)
	if err == nil {
		s.changed(ctx, td.LeadID)
	}
	return td, err
}

// TDSorts are the sorts of the test-drive list.
var TDSorts = listing.Orders{
	{Name: "scheduled_desc", Label: "试驾时间（新到旧）", Key: "t.scheduled_at", ID: "t.id", Kind: listing.KeyTime, Desc: true},
	{Name: "scheduled_asc", Label: "试驾时间（旧到新）", Key: "t.scheduled_at", ID: "t.id", Kind: listing.KeyTime},
}

// TDFilter selects test drives.
type TDFilter struct {
	StoreID int64
	CarID   int64
	Status  string
	OwnerID int64
	From    time.Time // scheduled on or after (zero: any)
	To      time.Time // scheduled before (zero: any)
	Sort    string
	Limit   int
	Cursor  string
}

// TDFilterFromQuery reads a TDFilter (store_id, car_id, status, owner
// ("me" or an id), from, to (dates), sort, limit, cursor).
func TDFilterFromQuery(actor *identity.User, q url.Values) (TDFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return TDFilter{}, err
	}
	f := TDFilter{Status: q.Get("status"), Sort: q.Get("sort"), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	f.StoreID = idParam(&v, q, "store_id")
	f.CarID = idParam(&v, q, "car_id")
	if o := strings.TrimSpace(q.Get("owner")); o == "me" {
		f.OwnerID = identity.ID(actor)
	} else if o != "" {
		f.OwnerID = idParam(&v, q, "owner")
	}
	if s := q.Get("from"); s != "" {
		d, ok := ParseDay(s)
		v.Check(ok, "from", "日期格式无效")
		f.From = d
	}
	if s := q.Get("to"); s != "" {
		d, ok := ParseDay(s)
		v.Check(ok, "to", "日期格式无效")
		f.To = d.AddDate(0, 0, 1)
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return f, f.check()
}

func (f TDFilter) check() error {
	var v apperr.Validator
	v.Check(f.Status == "" || valid(TestDriveStatuses, f.Status), "status", "请选择有效的状态")
	if _, err := TDSorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

func (f TDFilter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	switch {
	case !allStores(actor):
		w.And("t.store_id = " + w.Arg(actor.SiteID))
	case f.StoreID != 0:
		w.And("t.store_id = " + w.Arg(f.StoreID))
	}
	if f.CarID != 0 {
		w.And("t.car_id = " + w.Arg(f.CarID))
	}
	if f.Status != "" {
		w.And("t.status = " + w.Arg(f.Status))
	}
	if f.OwnerID != 0 {
		w.And("t.sales_user_id = " + w.Arg(f.OwnerID))
	}
	if !f.From.IsZero() {
		w.And("t.scheduled_at >= " + w.Arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		w.And("t.scheduled_at < " + w.Arg(f.To.UTC()))
	}
	return &w
}

// ListTestDrives returns a page of the test drives actor sees matching f,
// and how many match. Errors as for ListLeads.
func (s *Service) ListTestDrives(ctx context.Context, actor *identity.User, f TDFilter) (listing.Page[*TestDrive], listing.Total, error) {
	var page listing.Page[*TestDrive]
	if err := begin(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := TDSorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, " FROM test_drives t"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	rows, err := s.tdPage(ctx, w, order, cur, limit+1)
	if err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(rows, limit, func(t *TestDrive) string { return order.Encode(t.ScheduledAt, t.ID) }), total, nil
}

func (s *Service) tdPage(ctx context.Context, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*TestDrive, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+tdColumns+tdFrom+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*TestDrive
	for rows.Next() {
		t, err := scanTD(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TDExportHeader is the header row of ExportTestDrives.
var TDExportHeader = []string{"编号", "客户", "门店", "车型", "试驾车", "销售顾问", "试驾时间", "状态", "客户意向", "反馈"}

// ExportTestDrives writes every test drive actor sees matching f to w,
// without a cap, audited (export_test_drives).
func (s *Service) ExportTestDrives(ctx context.Context, actor *identity.User, f TDFilter, w listing.Writer) (n int, err error) {
	if err := begin(actor); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := TDSorts.Lookup(f.Sort)
	where := f.where(actor)
	defer func() {
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "export_test_drives",
			Entity: "test_drives", Detail: map[string]any{"rows": n, "completed": err == nil, "status": f.Status}})
		if err == nil {
			err = aerr
		}
	}()
	return listing.Export(w, TDExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			rows, err := s.tdPage(ctx, where, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, t := range rows {
				if err := emit(t.ID, t.CustomerName, t.StoreName, t.ModelName, t.Plate, t.OwnerName, t.ScheduledAt, t.StatusLabel(), t.OutcomeLabel(), t.Feedback); err != nil {
					return err
				}
			}
			if len(rows) < listing.ExportBatch {
				return nil
			}
			last := rows[len(rows)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: last.ScheduledAt, ID: last.ID}
		}
	})
}
