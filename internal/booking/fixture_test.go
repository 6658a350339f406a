package booking_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// start is the fixed "now" of every booking test: Friday 2026-11-20 09:00 in
// Shanghai (01:00 UTC).
var start = time.Date(2026, 11, 20, 9, 0, 0, 0, site.Shanghai)

const (
	today    = "2026-11-20"
	tomorrow = "2026-11-21"
)

// hm returns minutes after midnight.
func hm(h, m int) int { return h*60 + m }

// One argon2 hash for every fixture user: hashing costs ~30 ms, so users are
// inserted directly with this precomputed hash rather than registered.
const fixturePassword = "correct-horse-9"

var (
	hashOnce sync.Once
	hashVal  string
)

func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := account.HashPassword(fixturePassword)
		if err != nil {
			panic(err)
		}
		hashVal = h
	})
	return hashVal
}

// fixture is a small world for booking tests.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Svc   *booking.Service
	Acc   *account.Service

	// Sites.
	Center      int64 // service center 08:00-18:00, 60-min slots, repair=2
	Swap        int64 // swap station under Center, 07:00-22:00, 30-min slots, swap=2, 3 of 10 batteries charged
	Charging    int64 // charging station 00:00-24:00, 60-min slots, charging=3
	OtherCenter int64 // another service center, repair=2
	Store       int64 // a direct-sales store

	// Models.
	SwapModel  int64
	PlainModel int64

	// Owners: A has a swap-capable car (VehA) and a plain one (VehA2); B has a swap-capable car.
	OwnerA, OwnerB *identity.User
	VehA, VehA2    int64
	VehB           int64

	// Staff.
	ServiceA  *identity.User // service user at Center
	ServiceA2 *identity.User // second service user (technician) at Center
	ServiceB  *identity.User // service user at OtherCenter
	Sales     *identity.User // sales user at Store
	Admin     *identity.User

	seq atomic.Int64
}

// newFixture builds the fixture on d with the clock at start.
func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	f.Svc = booking.NewService(d, f.Clock.Now)
	f.Acc = account.NewService(d, f.Clock.Now)

	f.Center = f.site("SC-01", site.ServiceCenter, "浦东服务中心", 8*60, 18*60, 60, 0, 0, 0)
	f.Swap = f.site("SW-01", site.SwapStation, "张江换电站", 7*60, 22*60, 30, 10, 3, f.Center)
	f.Charging = f.site("CH-01", site.ChargingStation, "世纪公园充电站", 0, 24*60, 60, 0, 0, 0)
	f.OtherCenter = f.site("SC-02", site.ServiceCenter, "徐汇服务中心", 8*60, 18*60, 60, 0, 0, 0)
	f.Store = f.site("ST-01", site.Store, "陆家嘴直营店", 10*60, 22*60, 60, 0, 0, 0)
	f.capacity(f.Center, booking.Repair, 2)
	f.capacity(f.Swap, booking.Swap, 2)
	f.capacity(f.Charging, booking.Charging, 3)
	f.capacity(f.OtherCenter, booking.Repair, 2)

	f.SwapModel = f.model("M-SWAP", "启航 ES6", true)
	f.PlainModel = f.model("M-PLAIN", "启航 S3", false)

	var custA int64
	f.OwnerA, custA, f.VehA = f.newOwner("车主甲", f.SwapModel)
	f.VehA2 = f.vehicle(custA, f.PlainModel)
	f.OwnerB, _, f.VehB = f.newOwner("车主乙", f.SwapModel)

	f.ServiceA = f.staff("svc.a", "服务顾问甲", identity.RoleService, f.Center)
	f.ServiceA2 = f.staff("tech.a", "技师甲", identity.RoleService, f.Center)
	f.ServiceB = f.staff("svc.b", "服务顾问乙", identity.RoleService, f.OtherCenter)
	f.Sales = f.staff("sales.a", "销售甲", identity.RoleSales, f.Store)
	f.Admin = f.staff("admin", "管理员", identity.RoleAdmin, 0)
	return f
}

func (f *fixture) id(query string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.DB.QueryRowContext(f.ctx, query, args...).Scan(&id); err != nil {
		f.t.Fatalf("fixture insert: %v\n%s", err, query)
	}
	return id
}

func (f *fixture) site(code string, kind site.Kind, name string, open, close, slot, batteries, charged int, parent int64) int64 {
	f.t.Helper()
	var p any
	if parent != 0 {
		p = parent
	}
	return f.id(`INSERT INTO sites (code, kind, name, province, city, district, address, open_minute, close_minute, slot_minutes,
		battery_total, charged_batteries, parent_id, created_at)
		VALUES ($1, $2, $3, '上海', '上海', '浦东新区', '测试路 1 号', $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		code, string(kind), name, open, close, slot, batteries, charged, p, start.UTC())
}

func (f *fixture) capacity(siteID int64, kind booking.Kind, places int) {
	f.t.Helper()
	if _, err := f.DB.ExecContext(f.ctx, `INSERT INTO site_capacity (site_id, service_kind, places_per_slot) VALUES ($1, $2, $3)`,
		siteID, string(kind), places); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) model(code, name string, swap bool) int64 {
	f.t.Helper()
	return f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen, swap_capable)
		VALUES ($1, '启航', $2, 'BEV', 75, 520, 25000000, $3) RETURNING id`, code, name, swap)
}

// newOwner inserts a customer with one vehicle of model and an owner user
// (mobile login, fixture password) and returns the user, customer and vehicle.
func (f *fixture) newOwner(name string, model int64) (*identity.User, int64, int64) {
	f.t.Helper()
	n := f.seq.Add(1)
	mobile := fmt.Sprintf("139%08d", n)
	now := start.UTC()
	cust := f.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at)
		VALUES ($1, $2, 'owner', 'delivered', $3, $3) RETURNING id`, name, mobile, now)
	veh := f.vehicle(cust, model)
	uid := f.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', $3, $4, $5, $6, $6) RETURNING id`, mobile, name, passwordHash(f.t), cust, true, now)
	return f.user(uid), cust, veh
}

// vehicle inserts a vehicle of model for customer cust.
func (f *fixture) vehicle(cust, model int64) int64 {
	f.t.Helper()
	n := f.seq.Add(1)
	now := start.UTC()
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	return f.id(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		fmt.Sprintf("LTEST%012d", n), fmt.Sprintf("沪A%05d", n), cust, model, day, day.AddDate(4, 0, 0), day.AddDate(8, 0, 0), now)
}

func (f *fixture) staff(username, name string, role identity.Role, siteID int64) *identity.User {
	f.t.Helper()
	var s any
	if siteID != 0 {
		s = siteID
	}
	now := start.UTC()
	uid := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, username, name, string(role), passwordHash(f.t), s, true, now)
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

// count runs a COUNT(*)-like query returning one integer.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.DB.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, query)
	}
	return n
}

// writes returns the number of appointments, slot_usage and swap_day_usage
// rows and the sum of their counters: what a failed booking must not change.
func (f *fixture) writes() [4]int {
	f.t.Helper()
	return [4]int{
		f.count(`SELECT COUNT(*) FROM appointments`),
		f.count(`SELECT COUNT(*) FROM slot_usage`),
		f.count(`SELECT COALESCE(SUM(booked), 0) FROM slot_usage`) + f.count(`SELECT COALESCE(SUM(booked), 0) FROM swap_day_usage`),
		f.count(`SELECT COUNT(*) FROM audit_log`),
	}
}

// left returns the places left at minute in the slot table of siteID/kind/date.
func (f *fixture) left(siteID int64, kind booking.Kind, date string, minute int) int {
	f.t.Helper()
	day, err := f.Svc.Slots(f.ctx, siteID, kind, date)
	if err != nil {
		f.t.Fatalf("Slots: %v", err)
	}
	for _, s := range day.Slots {
		if s.Minute == minute {
			return s.Left
		}
	}
	f.t.Fatalf("no slot at minute %d", minute)
	return 0
}

// book books or fails the test.
func (f *fixture) book(owner *identity.User, in booking.BookInput) *booking.Appointment {
	f.t.Helper()
	a, err := f.Svc.Book(f.ctx, owner, in)
	if err != nil {
		f.t.Fatalf("Book %+v: %v", in, err)
	}
	return a
}

// repair is a repair booking at the Center for vehicle on date at minute.
func (f *fixture) repair(vehicle int64, date string, minute int) booking.BookInput {
	return booking.BookInput{VehicleID: vehicle, SiteID: f.Center, Kind: booking.Repair, Date: date, Minute: minute}
}

// auditActions lists the audit actions recorded for an appointment, oldest first.
func (f *fixture) auditActions(id int64) []string {
	f.t.Helper()
	rows, err := f.DB.QueryContext(f.ctx, `SELECT action FROM audit_log WHERE entity = 'appointments' AND entity_id = $1 ORDER BY id`, id)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}
