package vehicle_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

func TestVehiclesAndSites(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 200, Seed: 3, Months: 12, Now: now}); err != nil {
			t.Fatal(err)
		}
		// The owner with the most charging and swap records, and another owner.
		var mine, other int64
		if err := d.QueryRow(`SELECT customer_id FROM charging_sessions GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1`).Scan(&mine); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(`SELECT MIN(customer_id) FROM vehicles WHERE customer_id <> $1`, mine).Scan(&other); err != nil {
			t.Fatal(err)
		}
		owner := &identity.User{ID: 1, Role: identity.RoleOwner, CustomerID: mine}
		s := vehicle.NewService(d)
		vs, err := s.ListMine(ctx, owner)
		if err != nil || len(vs) == 0 {
			t.Fatalf("ListMine: %d vehicles, %v", len(vs), err)
		}
		v := vs[0]
		if len(v.VIN) != 17 || v.BatterySOH <= 0 || v.BatterySOH > 100 || v.Title() == "" || v.WarrantyEnd.IsZero() {
			t.Fatalf("vehicle fields: %+v", v)
		}
		// ListMineBrief: the same vehicles in the same order, with the summary's fields.
		brief, err := s.ListMineBrief(ctx, owner)
		if err != nil || len(brief) != len(vs) {
			t.Fatalf("ListMineBrief: %d vehicles, %v; ListMine %d", len(brief), err, len(vs))
		}
		for i, b := range brief {
			f := vs[i]
			if b.ID != f.ID || b.Plate != f.Plate || b.CustomerID != f.CustomerID || b.ModelID != f.ModelID || b.Title() != f.Title() ||
				b.Powertrain != f.Powertrain || b.SwapCapable != f.SwapCapable || b.MileageKM != f.MileageKM || b.BatterySOH != f.BatterySOH ||
				b.SOHWarn() != f.SOHWarn() || b.SoftwareVersion != f.SoftwareVersion {
				t.Fatalf("ListMineBrief[%d] = %+v, ListMine = %+v", i, b, f)
			}
		}
		act, err := s.RecentActivity(ctx, owner, v.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(act) == 0 {
			t.Fatal("no charging or swap activity for the most active owner")
		}
		for i := 1; i < len(act); i++ {
			if act[i].At.After(act[i-1].At) {
				t.Fatalf("activity not newest first: %v after %v", act[i].At, act[i-1].At)
			}
		}
		var otherVehicle int64
		if err := d.QueryRow(`SELECT MIN(id) FROM vehicles WHERE customer_id = $1`, other).Scan(&otherVehicle); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, owner, otherVehicle); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another owner's vehicle: %v, want not found", err)
		}
		if _, err := s.RecentActivity(ctx, owner, otherVehicle, 5); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another owner's activity: %v, want not found", err)
		}
		if _, err := s.ListMine(ctx, &identity.User{Role: identity.RoleSales}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("ListMine as sales: %v", err)
		}
		if _, err := s.ListMineBrief(ctx, &identity.User{Role: identity.RoleSales}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("ListMineBrief as sales: %v", err)
		}
		if _, err := s.ListMineBrief(ctx, nil); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("ListMineBrief anonymous: %v", err)
		}
		if _, err := s.Get(ctx, nil, v.ID); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("Get anonymous: %v", err)
		}
		if got, err := s.Get(ctx, &identity.User{Role: identity.RoleService}, v.ID); err != nil || got.ID != v.ID {
			t.Fatalf("staff Get: %v", err)
		}

		sites := site.NewService(d)
		swaps, err := sites.List(ctx, site.SwapStation, "", 500)
		if err != nil || len(swaps) == 0 {
			t.Fatalf("swap stations: %d %v", len(swaps), err)
		}
		for _, st := range swaps {
			if st.Kind != site.SwapStation || st.ChargedBatteries > st.BatteryTotal || st.OpenMinute >= st.CloseMinute {
				t.Fatalf("bad swap station %+v", st)
			}
		}
		cities, err := sites.Cities(ctx, site.SwapStation)
		if err != nil || len(cities) == 0 {
			t.Fatalf("cities: %v %v", cities, err)
		}
		inCity, err := sites.List(ctx, site.SwapStation, cities[0], 500)
		if err != nil || len(inCity) == 0 || inCity[0].City != cities[0] {
			t.Fatalf("city filter: %v", err)
		}
		got, err := sites.GetByCode(ctx, swaps[0].Code)
		if err != nil || got.ID != swaps[0].ID || got.Hours() == "" {
			t.Fatalf("GetByCode: %v", err)
		}
		if _, err := sites.Get(ctx, 99999999); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown site: %v", err)
		}
		if site.Clock(545) != "09:05" || site.SwapStation.Label() != "换电站" {
			t.Fatal("labels")
		}
	})
}
