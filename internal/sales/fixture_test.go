package sales_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// start is the fixed "now" of the sales tests: Friday 2026-11-20 09:00 in
// Shanghai (01:00 UTC).
var start = time.Date(2026, 11, 20, 9, 0, 0, 0, sales.Shanghai)

// fixture is two stores with consultants, a manager and an admin.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Svc   *sales.Service
	Acc   *account.Service

	Store, Store2   int64 // 上海 store (09:00-21:00), 杭州 store
	BEV, PHEV       int64 // models
	A, B, Manager   *identity.User
	Other           *identity.User // consultant of Store2
	Admin, Service_ *identity.User
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	f.Acc = account.NewService(d, f.Clock.Now)
	f.Svc = sales.NewService(d, f.Clock.Now, f.Acc.HashBuyerPassword)
	f.Store = f.site("S001", "store", "上海旗舰店", "上海")
	f.Store2 = f.site("S002", "store", "杭州店", "杭州")
	center := f.site("C001", "service_center", "上海服务中心", "上海")
	f.BEV = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('M1', '星途', '星途 S7', 'BEV', 80, 600, 26800000) RETURNING id`)
	f.PHEV = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('M2', '星途', '星途 H9', 'PHEV', 40, 1200, 31800000) RETURNING id`)
	f.A = f.staff("sa", "销售甲", identity.RoleSales, f.Store)
	f.B = f.staff("sb", "销售乙", identity.RoleSales, f.Store)
	f.Manager = f.staff("sm", "店长", identity.RoleSales, f.Store)
	f.grantManager(f.Manager)
	f.Other = f.staff("so", "杭州销售", identity.RoleSales, f.Store2)
	f.Admin = f.staff("ad", "管理员", identity.RoleAdmin, 0)
	f.Service_ = f.staff("sv", "服务顾问", identity.RoleService, center)
	return f
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (f *fixture) site(code, kind, name, city string) int64 {
	return f.id(`INSERT INTO sites (code, kind, name, province, city, open_minute, close_minute, created_at) VALUES ($1, $2, $3, $4, $4, 540, 1260, $5) RETURNING id`,
		code, kind, name, city, start.UTC())
}

func (f *fixture) staff(username, name string, role identity.Role, siteID int64) *identity.User {
	var site any
	if siteID != 0 {
		site = siteID
	}
	id := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at) VALUES ($1, $2, $3, 'x', $4, $5, $6, $6) RETURNING id`,
		username, name, string(role), site, true, start.UTC())
	return &identity.User{ID: id, Username: username, DisplayName: name, Role: role, SiteID: siteID, Active: true}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// grantManager gives u the store-manager permission.
func (f *fixture) grantManager(u *identity.User) {
	if _, err := f.DB.ExecContext(f.ctx, `UPDATE users SET permissions = $1 WHERE id = $2`, string(identity.PermStoreManager), u.ID); err != nil {
		f.t.Fatal(err)
	}
	u.Perms = []identity.Perm{identity.PermStoreManager}
}
