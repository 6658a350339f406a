package workorder_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// start is the fixed "now" of the tests: Friday 2026-11-20 09:00 in Shanghai.
var start = time.Date(2026, 11, 20, 9, 0, 0, 0, site.Shanghai)

const today = "2026-11-20"

// fixture is a small world: two service centers with staff, an owner with a
// car delivered a year ago, another owner, and the services.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Book  *booking.Service
	Svc   *workorder.Service
	Acc   *account.Service
	Inv   *inventory.Service

	Center, OtherCenter int64
	Model               int64
	OwnerA, OwnerB      *identity.User
	CustA               int64
	VehA, VehB          int64
	ServiceA, TechA     *identity.User
	ServiceB            *identity.User
	Sales, Admin        *identity.User

	seq atomic.Int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	if err := workorder.EnsureDefaults(f.ctx, d); err != nil {
		t.Fatal(err)
	}
	f.Book = booking.NewService(d, f.Clock.Now)
	f.Svc = workorder.NewService(d, f.Book, f.Clock.Now)
	f.Book.BeforeComplete(workorder.CheckAppointment)
	f.Inv = inventory.NewService(d, f.Clock.Now)
	f.Svc.UseStock(f.Inv)
	f.Acc = account.NewService(d, f.Clock.Now)
	f.Center = f.site("SC-01", "浦东服务中心")
	f.OtherCenter = f.site("SC-02", "徐汇服务中心")
	f.Model = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen, swap_capable)
		VALUES ('M-1', '启航', '启航 ES6', 'BEV', 75, 520, 25000000, TRUE) RETURNING id`)
	f.exec(`INSERT INTO warranty_terms (model_id, vehicle_years, vehicle_km, battery_years, battery_km) VALUES ($1, 3, 100000, 8, 160000)`, f.Model)
	delivered := start.AddDate(-1, 0, 0).UTC()
	f.OwnerA, f.CustA, f.VehA = f.owner("车主甲", "沪A10001", delivered)
	f.OwnerB, _, f.VehB = f.owner("车主乙", "沪A10002", delivered)
	f.ServiceA = f.staff("svc.a", "服务顾问甲", identity.RoleService, f.Center)
	f.TechA = f.staff("tech.a", "技师甲", identity.RoleService, f.Center)
	f.ServiceB = f.staff("svc.b", "服务顾问乙", identity.RoleService, f.OtherCenter)
	f.Sales = f.staff("sales.a", "销售甲", identity.RoleSales, 0)
	f.Admin = f.staff("admin", "管理员", identity.RoleAdmin, 0)
	return f
}

func (f *fixture) id(query string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.DB.QueryRowContext(f.ctx, query, args...).Scan(&id); err != nil {
		f.t.Fatalf("fixture: %v\n%s", err, query)
	}
	return id
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.DB.ExecContext(f.ctx, query, args...); err != nil {
		f.t.Fatalf("fixture: %v\n%s", err, query)
	}
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.DB.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, query)
	}
	return n
}

func (f *fixture) site(code, name string) int64 {
	id := f.id(`INSERT INTO sites (code, kind, name, province, city, address, open_minute, close_minute, slot_minutes, created_at)
		VALUES ($1, 'service_center', $2, '上海', '上海', '测试路 1 号', 480, 1080, 60, $3) RETURNING id`, code, name, start.UTC())
	f.exec(`INSERT INTO site_capacity (site_id, service_kind, places_per_slot) VALUES ($1, 'repair', 2)`, id)
	return id
}

func (f *fixture) owner(name, plate string, delivered time.Time) (*identity.User, int64, int64) {
	f.t.Helper()
	n := f.seq.Add(1)
	now := start.UTC()
	mobile := fmt.Sprintf("139%08d", n)
	cust := f.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ($1, $2, 'owner', 'delivered', $3, $3) RETURNING id`,
		name, mobile, now)
	veh := f.id(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, delivered_at, warranty_end, battery_warranty_end, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		fmt.Sprintf("LTEST%012d", n), plate, cust, f.Model, delivered, delivered, delivered.AddDate(3, 0, 0), delivered.AddDate(8, 0, 0), now)
	uid := f.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', '!test', $3, TRUE, $4, $4) RETURNING id`, mobile, name, cust, now)
	return f.user(uid), cust, veh
}

func (f *fixture) staff(username, name string, role identity.Role, siteID int64) *identity.User {
	var s any
	if siteID != 0 {
		s = siteID
	}
	uid := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, '!test', $4, TRUE, $5, $5) RETURNING id`, username, name, string(role), s, start.UTC())
	return f.user(uid)
}

func (f *fixture) user(id int64) *identity.User {
	f.t.Helper()
	u, err := f.Acc.User(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// startedAppointment books a repair for vehicle veh of owner at the Center
// today at minute and takes it to in_progress.
func (f *fixture) startedAppointment(owner *identity.User, veh int64, minute int) *booking.Appointment {
	f.t.Helper()
	a, err := f.Book.Book(f.ctx, owner, booking.BookInput{VehicleID: veh, SiteID: f.Center, Kind: booking.Repair, Date: today, Minute: minute, Note: "空调不制冷"})
	if err != nil {
		f.t.Fatalf("book: %v", err)
	}
	for _, act := range []booking.Action{booking.Confirm, booking.Start} {
		if a, err = f.Book.Act(f.ctx, f.ServiceA, a.ID, act, booking.ActionInput{}); err != nil {
			f.t.Fatalf("%s: %v", act, err)
		}
	}
	return a
}

// open opens a work order from appointment a or fails.
func (f *fixture) open(a *booking.Appointment, kind string) *workorder.WorkOrder {
	f.t.Helper()
	w, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a.ID, Kind: kind, MileageKM: 23000})
	if err != nil {
		f.t.Fatalf("open: %v", err)
	}
	return w
}

// op returns the catalogue id of operation code.
func (f *fixture) op(code string) int64 {
	return f.id(`SELECT id FROM service_operations WHERE code = $1`, code)
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// part adds a part of category priced priceFen and receives qty of it into
// the Center's stock; it returns the part's id.
func (f *fixture) part(sku, category string, priceFen int64, qty int) int64 {
	f.t.Helper()
	id := f.id(`INSERT INTO parts (sku, name, category, unit, price_fen, cost_fen, reorder_level, active) VALUES ($1, $1, $2, '件', $3, $4, 1, TRUE) RETURNING id`,
		sku, category, priceFen, priceFen/2)
	if _, err := f.Inv.Receive(f.ctx, f.ServiceA, inventory.ReceiptRequest{SiteID: f.Center, PartID: id, Quantity: qty, UnitCostFen: priceFen / 2, Reference: "PO-1"}); err != nil {
		f.t.Fatalf("receive %s: %v", sku, err)
	}
	return id
}

// onHand is the Center's stock of part, and the sum of its ledger.
func (f *fixture) onHand(part int64) (int, int) {
	f.t.Helper()
	return f.count(`SELECT COALESCE((SELECT quantity FROM part_stock WHERE site_id = $1 AND part_id = $2), 0)`, f.Center, part),
		f.count(`SELECT COALESCE(SUM(quantity), 0) FROM stock_movements WHERE site_id = $1 AND part_id = $2`, f.Center, part)
}
