package campaign_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// start is the fixed "now" of the campaign tests: 2026-11-20 09:00 Shanghai.
var start = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)

type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Svc   *campaign.Service
	Sales *sales.Service
	WO    *workorder.Service

	Store, Store2, Center int64
	Model                 int64
	Seller, Manager       *identity.User // consultants of Store (Manager holds store_manager)
	Other                 *identity.User // consultant of Store2
	Admin, Service        *identity.User
	n                     int
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	acc := account.NewService(d, f.Clock.Now)
	f.Sales = sales.NewService(d, f.Clock.Now, acc.HashBuyerPassword)
	f.WO = workorder.NewService(d, booking.NewService(d, f.Clock.Now), f.Clock.Now)
	f.Svc = campaign.NewService(d, f.Clock.Now, acc, f.Sales, f.WO)
	f.WO.OnCancel(f.Svc.ReturnCouponTx)
	f.Sales.OnOrder(f.Svc.OrderPlacedTx)
	f.Store = f.site("S001", "store", "上海旗舰店", "上海")
	f.Store2 = f.site("S002", "store", "杭州店", "杭州")
	f.Center = f.site("C001", "service_center", "上海服务中心", "上海")
	f.Model = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('M1', '星途', '星途 S7', 'BEV', 80, 600, 26800000) RETURNING id`)
	f.Seller = f.staff("sa", "销售甲", identity.RoleSales, f.Store)
	f.Manager = f.staff("sm", "店长", identity.RoleSales, f.Store)
	f.Manager.Perms = []identity.Perm{identity.PermStoreManager}
	f.exec(`UPDATE users SET permissions = $1 WHERE id = $2`, string(identity.PermStoreManager), f.Manager.ID)
	f.Other = f.staff("so", "杭州销售", identity.RoleSales, f.Store2)
	f.Admin = f.staff("ad", "管理员", identity.RoleAdmin, 0)
	f.Service = f.staff("sv", "服务顾问", identity.RoleService, f.Center)
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

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.DB.ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *fixture) site(code, kind, name, city string) int64 {
	return f.id(`INSERT INTO sites (code, kind, name, province, city, open_minute, close_minute, created_at) VALUES ($1, $2, $3, $4, $4, 540, 1260, $5) RETURNING id`,
		code, kind, name, city, start)
}

func (f *fixture) staff(username, name string, role identity.Role, siteID int64) *identity.User {
	var site any
	if siteID != 0 {
		site = siteID
	}
	id := f.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at) VALUES ($1, $2, $3, 'x', $4, $5, $6, $6) RETURNING id`,
		username, name, string(role), site, true, start)
	return &identity.User{ID: id, Username: username, DisplayName: name, Role: role, SiteID: siteID, Active: true}
}

// customer adds a customer of city; consent and an owner account as asked.
func (f *fixture) customer(city, kind string, consent, account bool) (int64, *identity.User) {
	f.n++
	mobile := fmt.Sprintf("139%08d", f.n)
	id := f.id(`INSERT INTO customers (name, mobile, city, kind, consent_marketing, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		fmt.Sprintf("客户%d", f.n), mobile, city, kind, consent, start)
	if !account {
		return id, nil
	}
	uid := f.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at) VALUES ($1, $2, 'owner', 'x', $3, $4, $5, $5) RETURNING id`,
		mobile, fmt.Sprintf("客户%d", f.n), id, true, start)
	return id, &identity.User{ID: uid, Role: identity.RoleOwner, CustomerID: id, Active: true, DisplayName: fmt.Sprintf("客户%d", f.n)}
}

// draft creates a draft test-drive day of Store by the seller.
func (f *fixture) draft(capacity int, mut ...func(*campaign.Input)) *campaign.Campaign {
	f.t.Helper()
	in := campaign.Input{Name: "周末试驾日", Kind: "test_drive_event", Channel: "offline", Place: "上海旗舰店", City: "上海",
		StartsAt: start.Add(72 * time.Hour), EndsAt: start.Add(80 * time.Hour), Capacity: capacity, Waitlist: true, HoldoutPct: 10}
	for _, m := range mut {
		m(&in)
	}
	c, err := f.Svc.Create(f.ctx, f.Seller, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// published is draft then published by the seller.
func (f *fixture) published(capacity int, mut ...func(*campaign.Input)) *campaign.Campaign {
	f.t.Helper()
	c := f.draft(capacity, mut...)
	c, err := f.Svc.Publish(f.ctx, f.Seller, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// Store2String is a short unique suffix made of n.
func (f *fixture) Store2String(n int64) string { return fmt.Sprintf("%05d", n) }
