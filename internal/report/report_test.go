package report_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

func TestOverviews(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 300, Seed: 7, Months: 6, Now: now}); err != nil {
			t.Fatal(err)
		}
		s := report.NewService(d, func() time.Time { return now })
		var store int64
		if err := d.QueryRow(`SELECT store_id FROM customers WHERE store_id IS NOT NULL GROUP BY store_id ORDER BY COUNT(*) DESC, store_id LIMIT 1`).Scan(&store); err != nil {
			t.Fatal(err)
		}
		sales := &identity.User{ID: 1, Role: identity.RoleSales, SiteID: store}
		ov, err := s.Sales(ctx, sales)
		if err != nil {
			t.Fatal(err)
		}
		var customers, open int
		if err := d.QueryRow(`SELECT COUNT(*) FROM customers WHERE store_id = $1`, store).Scan(&customers); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(`SELECT COUNT(*) FROM leads WHERE store_id = $1 AND status IN ('new', 'contacted', 'qualified')`, store).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if ov.Tiles[0].N != customers || ov.Tiles[1].N != open || customers == 0 {
			t.Fatalf("sales tiles %+v, want customers %d, open leads %d", ov.Tiles, customers, open)
		}
		sum := 0
		for _, c := range ov.Breakdown {
			sum += c.N
		}
		if sum != customers || len(ov.Breakdown) != 7 {
			t.Fatalf("stage breakdown sums to %d over %d stages, want %d over 7", sum, len(ov.Breakdown), customers)
		}
		if chart, err := ov.Chart("bar", "客户数"); err != nil || chart == "" {
			t.Fatalf("chart: %q %v", chart, err)
		}

		admin := &identity.User{ID: 2, Role: identity.RoleAdmin}
		all, err := s.Sales(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if all.Tiles[0].N != 300 {
			t.Fatalf("admin sees %d customers in the sales overview, want 300", all.Tiles[0].N)
		}
		aov, err := s.Admin(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if aov.Tiles[0].N != 300 {
			t.Fatalf("admin tiles %+v", aov.Tiles)
		}
		// The counters agree with counts made the plain way.
		var vehicles, staff int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM vehicles), (SELECT COUNT(*) FROM users WHERE role <> 'owner')`).Scan(&vehicles, &staff); err != nil {
			t.Fatal(err)
		}
		if aov.Tiles[1].N != vehicles || aov.Tiles[3].N != staff || vehicles == 0 {
			t.Errorf("admin tiles %+v, want %d vehicles, %d staff", aov.Tiles, vehicles, staff)
		}
		since := now.In(shanghai).AddDate(0, 0, -29).Format("2006-01-02")
		var recent int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE slot_date >= $1`, since).Scan(&recent); err != nil {
			t.Fatal(err)
		}
		inBreakdown := 0
		for _, c := range aov.Breakdown {
			inBreakdown += c.N
		}
		if inBreakdown != recent {
			t.Errorf("admin breakdown sums to %d appointments, want %d from %s on", inBreakdown, recent, since)
		}
		if len(aov.Breakdown) < 3 {
			t.Fatalf("admin breakdown has %d statuses; the generated month holds more", len(aov.Breakdown))
		}
		for i := 1; i < len(aov.Breakdown); i++ {
			if slices.Index(booking.Statuses, booking.Status(aov.Breakdown[i-1].Key)) > slices.Index(booking.Statuses, booking.Status(aov.Breakdown[i].Key)) {
				t.Errorf("breakdown not in lifecycle order: %+v", aov.Breakdown)
			}
		}
		for _, u := range []*identity.User{sales, {Role: identity.RoleOwner}, {Role: identity.RoleService}} {
			if _, err := s.Admin(ctx, u); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("Admin as %s: %v, want forbidden", u.Role, err)
			}
		}
		if _, err := s.Sales(ctx, &identity.User{Role: identity.RoleOwner}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("Sales as owner: %v, want forbidden", err)
		}
	})
}
