package customer_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// world is a small sales organisation: two stores, three consultants (two
// at store A), an admin, one model, and customers created with add.
type world struct {
	t                  testing.TB
	ctx                context.Context
	d                  *db.DB
	now                time.Time
	s                  *customer.Service
	storeA, storeB     int64
	model              int64
	alice, bob, carol  *identity.User // sales: alice and bob at A, carol at B
	admin              *identity.User
	owner, serviceUser *identity.User
}

func newWorld(t testing.TB, d *db.DB) *world {
	w := &world{t: t, ctx: context.Background(), d: d, now: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}
	w.s = customer.NewService(d, func() time.Time { return w.now })
	w.storeA = w.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('SA', 'store', '上海徐汇店', '上海', '上海', $1) RETURNING id`, w.now)
	w.storeB = w.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('SB', 'store', '杭州西湖店', '浙江', '杭州', $1) RETURNING id`, w.now)
	w.model = w.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('S7', '星河', '星河 S7', 'BEV', 80, 600, 25000000) RETURNING id`)
	staff := func(name string, role identity.Role, site int64) *identity.User {
		var siteArg any
		if site != 0 {
			siteArg = site
		}
		id := w.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, created_at, updated_at) VALUES ($1, $2, $3, '!', $4, $5, $5) RETURNING id`,
			name, name, string(role), siteArg, w.now)
		return &identity.User{ID: id, DisplayName: name, Role: role, SiteID: site, Active: true}
	}
	w.alice, w.bob, w.carol = staff("alice", identity.RoleSales, w.storeA), staff("bob", identity.RoleSales, w.storeA), staff("carol", identity.RoleSales, w.storeB)
	w.admin = staff("admin", identity.RoleAdmin, 0)
	w.serviceUser = staff("tech", identity.RoleService, 0)
	w.owner = &identity.User{ID: 999, Role: identity.RoleOwner, CustomerID: 1}
	return w
}

func (w *world) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.d.QueryRowContext(w.ctx, q, args...).Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.d.ExecContext(w.ctx, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

// add creates a customer of store with consultant sales, created age ago.
func (w *world) add(name, mobile, city string, store int64, sales *identity.User, age time.Duration) int64 {
	var s any
	if sales != nil {
		s = sales.ID
	}
	at := w.now.Add(-age)
	return w.id(`INSERT INTO customers (name, mobile, city, store_id, sales_user_id, preferred_model_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, name, mobile, city, store, s, w.model, at)
}
