package inventory_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

var start = time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// fixture is a small world: two centers, a swap station under the first,
// the warehouse, three parts, staff of each and an admin.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Svc   *inventory.Service

	Center, Other, Station, Warehouse int64
	Pads, Filter, Tyre                int64
	ServiceA, ServiceB, Keeper, Admin *identity.User
	Sales                             *identity.User
	Model                             int64
	vehicle, customer                 int64
	seq                               atomic.Int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	f.Svc = inventory.NewService(d, f.Clock.Now)
	f.Center = f.site("SC-01", "service_center", "浦东服务中心", 0)
	f.Other = f.site("SC-02", "service_center", "徐汇服务中心", 0)
	f.Station = f.site("SW-01", "swap_station", "张江换电站", f.Center)
	f.Warehouse = f.site("WH-01", "warehouse", "华东中心仓库", 0)
	f.Pads = f.part("P-PAD-F", "前制动片", "制动系统", "套", 68000, 42000, 3)
	f.Filter = f.part("P-AC-FILTER", "空调滤芯", "保养件", "件", 16800, 10000, 5)
	f.Tyre = f.part("P-TYRE-19", "轮胎 245/45 R19", "轮胎", "条", 135000, 83000, 4)
	f.ServiceA = f.staff("svc.a", "服务顾问甲", identity.RoleService, f.Center)
	f.ServiceB = f.staff("svc.b", "服务顾问乙", identity.RoleService, f.Other)
	f.Keeper = f.staff("wh.a", "仓管员", identity.RoleService, f.Warehouse)
	f.Admin = f.staff("admin", "管理员", identity.RoleAdmin, 0)
	f.Sales = f.staff("sales.a", "销售甲", identity.RoleSales, 0)
	f.Model = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen, swap_capable)
		VALUES ('M-1', '启航', '启航 ES6', 'BEV', 75, 520, 25000000, TRUE) RETURNING id`)
	now := start.UTC()
	f.customer = f.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at)
		VALUES ('车主甲', '13900000001', 'owner', 'delivered', $1, $1) RETURNING id`, now)
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	f.vehicle = f.id(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
		VALUES ('LTEST000000000001', '沪A00001', $1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		f.customer, f.Model, day, day.AddDate(4, 0, 0), day.AddDate(8, 0, 0), now)
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

func (f *fixture) site(code, kind, name string, parent int64) int64 {
	var p any
	if parent != 0 {
		p = parent
	}
	return f.id(`INSERT INTO sites (code, kind, name, province, city, parent_id, created_at)
		VALUES ($1, $2, $3, '上海', '上海', $4, $5) RETURNING id`, code, kind, name, p, start.UTC())
}

func (f *fixture) part(sku, name, cat, unit string, price, cost int64, reorder int) int64 {
	return f.id(`INSERT INTO parts (sku, name, category, unit, price_fen, cost_fen, reorder_level, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE) RETURNING id`, sku, name, cat, unit, price, cost, reorder)
}

func (f *fixture) staff(username, name string, role identity.Role, siteID int64) *identity.User {
	var s any
	if siteID != 0 {
		s = siteID
	}
	uid := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, 'x', $4, TRUE, $5, $5) RETURNING id`, username, name, string(role), s, start.UTC())
	return &identity.User{ID: uid, Username: username, DisplayName: name, Role: role, SiteID: siteID, Active: true}
}

// workOrder inserts a bare work order at siteID and returns its id.
func (f *fixture) workOrder(siteID int64) int64 {
	n := f.seq.Add(1)
	return f.id(`INSERT INTO work_orders (code, site_id, vehicle_id, customer_id, opened_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, fmt.Sprintf("WO-T-%04d", n), siteID, f.vehicle, f.customer, start.UTC())
}

// receive books qty of part at site at cost, failing the test on error.
func (f *fixture) receive(site, part int64, qty int, cost int64) *inventory.Movement {
	f.t.Helper()
	m, err := f.Svc.Receive(f.ctx, f.Admin, inventory.ReceiptRequest{SiteID: site, PartID: part, Quantity: qty,
		UnitCostFen: cost, Reference: "PO-TEST"})
	if err != nil {
		f.t.Fatalf("receive: %v", err)
	}
	return m
}

// quantity returns the stock on hand (0 without a row).
func (f *fixture) quantity(site, part int64) int {
	f.t.Helper()
	var q int
	err := f.DB.QueryRowContext(f.ctx, `SELECT quantity FROM part_stock WHERE site_id = $1 AND part_id = $2`, site, part).Scan(&q)
	if err != nil && !db.NoRows(err) {
		f.t.Fatal(err)
	}
	return q
}

// verify fails the test if an inventory invariant is broken.
func (f *fixture) verify() {
	f.t.Helper()
	bad, err := inventory.Verify(f.ctx, f.DB)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, b := range bad {
		f.t.Errorf("invariant broken: %s", b)
	}
}
