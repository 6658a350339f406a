package account_test

import (
	"errors"
	"testing"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

const demoPassword = "demo-password"

// TestDemoAccounts checks that demo accounts (password_hash DemoHash) log in
// with the demo password only on a service in demo mode, and are refused
// elsewhere exactly like a wrong password: the same error after the same one
// argon2id check.
func TestDemoAccounts(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		sys := identity.System()
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		realUser := e.staff("real.staff", identity.RoleService, e.sc)

		// Only the system actor makes demo accounts.
		in := account.StaffInput{Username: "demo.sales", DisplayName: "演示销售", Role: identity.RoleSales, SiteID: e.store, Demo: true}
		_, err := e.svc.CreateStaff(ctx, admin, in)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		staff, err := e.svc.CreateStaff(ctx, sys, in)
		if err != nil {
			t.Fatal(err)
		}
		cust := e.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ('演示车主', '13700000009', 'owner', 'delivered', $1, $1) RETURNING id`, start)
		_, err = e.svc.OpenDemoOwnerAccount(ctx, admin, cust, "")
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = e.svc.OpenDemoOwnerAccount(ctx, nil, cust, "")
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		owner, err := e.svc.OpenDemoOwnerAccount(ctx, sys, cust, "")
		if err != nil || owner.CustomerID != cust || owner.Mobile != "13700000009" {
			t.Fatalf("OpenDemoOwnerAccount = %+v, %v", owner, err)
		}
		if _, err := e.svc.OpenDemoOwnerAccount(ctx, sys, cust, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second account for the customer: %v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM users WHERE password_hash = $1`, account.DemoHash); n != 2 {
			t.Fatalf("%d accounts with DemoHash, want 2", n)
		}

		// Outside demo mode: refused like a wrong password, after one argon2id check.
		if e.svc.DemoMode() {
			t.Fatal("a new service is in demo mode")
		}
		for _, login := range []string{"demo.sales", "13700000009"} {
			runs := e.svc.ArgonRuns()
			if _, err := e.svc.Authenticate(ctx, login, demoPassword, ""); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("%s without demo mode: %v, want ErrBadCredentials", login, err)
			}
			if n := e.svc.ArgonRuns() - runs; n != 1 {
				t.Errorf("%s without demo mode: %d argon2id checks, want 1 like a wrong password", login, n)
			}
			// Nor is the marker itself a password.
			if _, err := e.svc.Authenticate(ctx, login, account.DemoHash, ""); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("%s with the marker as password: %v", login, err)
			}
		}

		// In demo mode (a service on the same database, as serve --demo builds it).
		demo := account.NewService(d, e.clock.Now)
		if err := demo.SetDemoPassword("short"); err == nil {
			t.Fatal("a 5-byte demo password was accepted")
		}
		if err := demo.SetDemoPassword(demoPassword); err != nil || !demo.DemoMode() {
			t.Fatalf("SetDemoPassword: %v", err)
		}
		for _, tc := range []struct {
			login string
			id    int64
		}{{"demo.sales", staff.ID}, {"13700000009", owner.ID}} {
			runs := demo.ArgonRuns()
			u, err := demo.Authenticate(ctx, tc.login, demoPassword, "")
			if err != nil || u.ID != tc.id {
				t.Fatalf("%s in demo mode: %v, %v", tc.login, u, err)
			}
			if n := demo.ArgonRuns() - runs; n != 1 {
				t.Errorf("%s in demo mode: %d argon2id checks, want 1", tc.login, n)
			}
			if _, err := demo.Authenticate(ctx, tc.login, "wrong-password", ""); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("%s with a wrong password in demo mode: %v", tc.login, err)
			}
		}
		// Real accounts keep their own password, and the demo password does not open them.
		if _, err := demo.Authenticate(ctx, "real.staff", demoPassword, ""); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("real account with the demo password: %v", err)
		}
		if u, err := demo.Authenticate(ctx, "real.staff", password, ""); err != nil || u.ID != realUser.ID {
			t.Fatalf("real account in demo mode: %v", err)
		}
		// A disabled demo account stays out.
		if _, err := d.ExecContext(ctx, `UPDATE users SET active = $1 WHERE id = $2`, false, staff.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Authenticate(ctx, "demo.sales", demoPassword, ""); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("disabled demo account: %v", err)
		}
	})
}
