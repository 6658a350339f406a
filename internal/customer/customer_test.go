package customer_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestCustomers(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
		s := customer.NewService(d, func() time.Time { return now })

		id, err := customer.CreateProspect(ctx, d, customer.Prospect{Name: "王芳", Mobile: "13800000001"}, now)
		if err != nil || id == 0 {
			t.Fatalf("CreateProspect: %d, %v", id, err)
		}
		_, err = customer.CreateProspect(ctx, d, customer.Prospect{Name: "另一人", Mobile: "13800000001"}, now)
		apperrtest.WantField(t, err, "mobile")
		if known, err := customer.MobileKnown(ctx, d, "13800000001"); err != nil || !known {
			t.Errorf("MobileKnown(existing) = %v, %v", known, err)
		}
		if known, err := customer.MobileKnown(ctx, d, "13900000009"); err != nil || known {
			t.Errorf("MobileKnown(new) = %v, %v", known, err)
		}
		c, err := customer.Get(ctx, d, id)
		if err != nil || c.Name != "王芳" || c.Kind != "prospect" {
			t.Errorf("Get = %+v, %v", c, err)
		}
		_, err = customer.Get(ctx, d, id+1000)
		apperrtest.WantCode(t, err, apperr.NotFound)

		// Count: the system and admins only.
		if n, err := s.Count(ctx, identity.System()); err != nil || n != 1 {
			t.Errorf("Count(system) = %d, %v", n, err)
		}
		_, err = s.Count(ctx, &identity.User{ID: 1, Role: identity.RoleSales})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = s.Count(ctx, nil)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)

		// MyCity: the owner's own record; "" for staff.
		if _, err := d.ExecContext(ctx, `UPDATE customers SET city = '杭州' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if city, err := s.MyCity(ctx, &identity.User{ID: 2, Role: identity.RoleOwner, CustomerID: id}); err != nil || city != "杭州" {
			t.Errorf("MyCity(owner) = %q, %v", city, err)
		}
		if city, err := s.MyCity(ctx, &identity.User{ID: 3, Role: identity.RoleService}); err != nil || city != "" {
			t.Errorf("MyCity(staff) = %q, %v", city, err)
		}
		_, err = s.MyCity(ctx, nil)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
	})
}
