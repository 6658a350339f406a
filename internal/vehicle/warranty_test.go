package vehicle_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// TestWarrantyEndsFollowModelTerms: a registered car's warranty ends are
// its delivery day plus its model's terms, for a model with terms of its
// own and for one without (DefaultTerms); generated cars agree as well.
func TestWarrantyEndsFollowModelTerms(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 60, Seed: 4, Months: 6, Now: now}); err != nil {
			t.Fatal(err)
		}
		check := func(where string, args ...any) int {
			t.Helper()
			rows, err := d.QueryContext(ctx, `SELECT v.model_id, v.purchased_on, v.warranty_end, v.battery_warranty_end FROM vehicles v WHERE `+where, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var model int64
				var day, end, battery time.Time
				if err := rows.Scan(&model, &day, &end, &battery); err != nil {
					t.Fatal(err)
				}
				terms, err := vehicle.TermsOf(ctx, d, model)
				if err != nil {
					t.Fatal(err)
				}
				if !end.Equal(day.AddDate(terms.VehicleYears, 0, 0)) || !battery.Equal(day.AddDate(terms.BatteryYears, 0, 0)) {
					t.Errorf("model %d delivered %s: warranty ends %s / %s, want +%d / +%d years", model, day.Format(time.DateOnly),
						end.Format(time.DateOnly), battery.Format(time.DateOnly), terms.VehicleYears, terms.BatteryYears)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := check(`v.id > 0`); n == 0 {
			t.Fatal("no generated vehicles")
		}

		var cust, store int64
		if err := d.QueryRowContext(ctx, `SELECT id, COALESCE(store_id, 0) FROM customers WHERE kind = 'prospect' ORDER BY id LIMIT 1`).Scan(&cust, &store); err != nil {
			t.Fatal(err)
		}
		var bev int64
		if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM vehicle_models WHERE powertrain = 'BEV'`).Scan(&bev); err != nil {
			t.Fatal(err)
		}
		for i, terms := range []*vehicle.Terms{{VehicleYears: 4, VehicleKM: 120_000, BatteryYears: 7, BatteryKM: 150_000}, nil} {
			if _, err := d.ExecContext(ctx, `DELETE FROM warranty_terms WHERE model_id = $1`, bev); err != nil {
				t.Fatal(err)
			}
			if terms != nil {
				if _, err := d.ExecContext(ctx, `INSERT INTO warranty_terms (model_id, vehicle_years, vehicle_km, battery_years, battery_km) VALUES ($1, $2, $3, $4, $5)`,
					bev, terms.VehicleYears, terms.VehicleKM, terms.BatteryYears, terms.BatteryKM); err != nil {
					t.Fatal(err)
				}
			}
			id, err := vehicle.Register(ctx, d, vehicle.NewVehicle{VIN: vehicle.NewVIN(bev, 2026, 900+i), Plate: []string{"沪AD90001", "沪AD90002"}[i],
				CustomerID: cust, ModelID: bev, StoreID: store, Color: "白", DeliveredAt: now})
			if err != nil {
				t.Fatal(err)
			}
			got, err := vehicle.TermsOf(ctx, d, bev)
			if err != nil {
				t.Fatal(err)
			}
			if terms == nil && got != vehicle.DefaultTerms || terms != nil && got != *terms {
				t.Fatalf("TermsOf = %+v, want %+v", got, terms)
			}
			check(`v.id = $1`, id)
		}
	})
}
