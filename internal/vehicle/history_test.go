package vehicle_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

func TestVehicleHistory(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 150, Seed: 7, Months: 18, Now: now}); err != nil {
			t.Fatal(err)
		}
		clock := dbtest.NewClock(now)
		s := vehicle.NewService(d)
		s.SetClock(clock.Now)
		var vid, cust int64
		if err := d.QueryRow(`SELECT v.id, v.customer_id FROM vehicles v ORDER BY (SELECT COUNT(*) FROM charging_sessions c WHERE c.vehicle_id = v.id) DESC, v.id LIMIT 1`).
			Scan(&vid, &cust); err != nil {
			t.Fatal(err)
		}
		owner := &identity.User{ID: 1, Role: identity.RoleOwner, CustomerID: cust}
		stranger := &identity.User{ID: 2, Role: identity.RoleOwner, CustomerID: cust + 1}
		v, _ := s.Get(ctx, owner, vid)

		h, err := s.Health(ctx, owner, vid)
		if err != nil || len(h) < 2 {
			t.Fatalf("health: %d months, %v", len(h), err)
		}
		for i := 1; i < len(h); i++ {
			if h[i].SOH > h[i-1].SOH || h[i].MileageKM < h[i-1].MileageKM || !h[i].Month.After(h[i-1].Month) {
				t.Fatalf("month %s after %s: soh %v→%v km %d→%d", h[i].Label(), h[i-1].Label(), h[i-1].SOH, h[i].SOH, h[i-1].MileageKM, h[i].MileageKM)
			}
		}
		if last := h[len(h)-1]; last.SOH != v.BatterySOH || last.MileageKM != v.MileageKM {
			t.Errorf("newest month %+v, vehicle soh %v km %d", last, v.BatterySOH, v.MileageKM)
		}
		if _, err := s.Health(ctx, stranger, vid); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another owner's history: %v", err)
		}

		total := count(t, d, `SELECT COUNT(*) FROM charging_sessions WHERE vehicle_id = $1 AND customer_id = $2`, vid, cust)
		seen := map[int64]bool{}
		cursor := ""
		var last time.Time
		for pages := 0; ; pages++ {
			p, err := s.Charges(ctx, owner, vid, cursor, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				if seen[c.ID] || (!last.IsZero() && c.StartedAt.After(last)) {
					t.Fatalf("charge %d repeated or out of order", c.ID)
				}
				seen[c.ID], last = true, c.StartedAt
			}
			if !p.HasNext() {
				break
			}
			cursor = p.NextCursor
		}
		if len(seen) != total || total < 8 {
			t.Errorf("pages gave %d of %d charges", len(seen), total)
		}
		_, err = s.Charges(ctx, owner, vid, "not-a-cursor", 7)
		apperrtest.WantField(t, err, "cursor")
		if _, err := s.Swaps(ctx, owner, vid, "", 5); err != nil {
			t.Errorf("swaps: %v", err)
		}

		u, err := s.Usage(ctx, owner, vid, 12)
		if err != nil || len(u) != 12 || u[11].Month != "2026-11" || u[0].Month != "2025-12" {
			t.Fatalf("usage %+v %v", u, err)
		}
		n := 0
		for _, m := range u {
			n += m.Charges
		}
		first := time.Date(2025, 12, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		if want := count(t, d, `SELECT COUNT(*) FROM charging_sessions WHERE vehicle_id = $1 AND customer_id = $2 AND started_at >= $3`, vid, cust, first.UTC()); n != want {
			t.Errorf("usage counts %d charges, want %d", n, want)
		}

		wo := workorder.NewService(d, booking.NewService(d, clock.Now), clock.Now)
		cover, err := wo.Coverage(ctx, owner, vid)
		if err != nil || len(cover) != 2 || cover[0].Name != "整车质保" || cover[1].Years < cover[0].Years {
			t.Fatalf("coverage %+v %v", cover, err)
		}
		if cover[0].Active && (cover[0].DaysLeft <= 0 || cover[0].KMLeft != cover[0].KM-v.MileageKM) {
			t.Errorf("vehicle cover %+v for %d km", cover[0], v.MileageKM)
		}
		if _, err := wo.Coverage(ctx, stranger, vid); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another owner's coverage: %v", err)
		}
	})
}
