package campaign_test

import (
	"context"
	"os"
	"testing"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// BenchmarkSegmentCount measures the live audience count of typical rule
// sets beside a baseline measured in the same run: the same count with no
// rule (one pass over every customer). The database is a generated one named by
// NEVCRM_BENCH_DB (an SQLite file or a postgres:// URL of a generated
// database, e.g. the 1,000,000-customer one; it is migrated first, so use
// a copy), else 2,000 generated customers. docs/测试说明.md records the
// results.
func BenchmarkSegmentCount(b *testing.B) {
	ctx := context.Background()
	var d *db.DB
	if dsn := os.Getenv("NEVCRM_BENCH_DB"); dsn != "" {
		var err error
		if d, err = db.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		// The indexes the count relies on come with the migrations.
		if err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		d = dbtest.Open(b, db.SQLite)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 2000, Seed: 1, Months: 12}); err != nil {
			b.Fatal(err)
		}
	}
	var customers int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
	}
	var city string
	if err := d.QueryRowContext(ctx, `SELECT city FROM customers GROUP BY city ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&city); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s, %d customers; largest city %s", d.Dialect, customers, city)
	acc := account.NewService(d, nil)
	svc := campaign.NewService(d, nil, acc, sales.NewService(d, nil, acc.HashBuyerPassword), workorder.NewService(d, booking.NewService(d, nil), nil))
	actor := identity.System()
	sets := []struct {
		name  string
		rules []campaign.Rule
	}{
		{"baseline_no_rules", []campaign.Rule{}},
		{"city_owners", []campaign.Rule{{Field: "city", Op: "in", Value: city}, {Field: "kind", Op: "eq", Value: "owner"}}},
		{"owners_battery_age", []campaign.Rule{{Field: "kind", Op: "eq", Value: "owner"}, {Field: "battery_soh", Op: "lt", Value: "97"},
			{Field: "vehicle_age", Op: "gte", Value: "12"}}},
		{"city_no_service_180d", []campaign.Rule{{Field: "city", Op: "in", Value: city}, {Field: "last_service", Op: "before_days", Value: "180"}}},
		{"prospects_stage", []campaign.Rule{{Field: "kind", Op: "eq", Value: "prospect"}, {Field: "stage", Op: "in", Value: "interested,test_drive,negotiation"}}},
		{"model_mileage", []campaign.Rule{{Field: "model", Op: "in", Value: "1,2"}, {Field: "mileage", Op: "gte", Value: "20000"}}},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			var c *campaign.Count
			var err error
			cpu := cpuTime()
			for b.Loop() {
				if c, err = svc.CountSegment(ctx, actor, set.rules, "", 10); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.Matched), "matched")
			// CPU time is what the count costs on an idle machine; the wall
			// time (ns/op) also holds the waits of a shared, loaded one.
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkEffect measures a campaign page's effect figures for the
// largest generated known-effect campaign of the NEVCRM_BENCH_DB database
// (which needs migration 00018: use a copy), else of 10,000 generated
// customers: "compute" recomputes and
// caches them (attribution over the touches and the uplift against the
// hold-out: what every view cost before the cache, and what the sweep and
// "重新计算" cost now), "cached" is what a view costs now (Effect reads the
// cached row). docs/测试说明.md records the results.
func BenchmarkEffect(b *testing.B) {
	ctx := context.Background()
	var d *db.DB
	if dsn := os.Getenv("NEVCRM_BENCH_DB"); dsn != "" {
		var err error
		if d, err = db.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
	} else {
		d = dbtest.Open(b, db.SQLite)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 10000, Seed: 1, Months: 12}); err != nil {
			b.Fatal(err)
		}
	}
	var id int64
	var audience int
	if err := d.QueryRowContext(ctx, `SELECT id, audience_size FROM campaigns ORDER BY audience_size DESC LIMIT 1`).Scan(&id, &audience); err != nil {
		b.Fatal(err)
	}
	acc := account.NewService(d, nil)
	svc := campaign.NewService(d, nil, acc, sales.NewService(d, nil, acc.HashBuyerPassword), workorder.NewService(d, booking.NewService(d, nil), nil))
	b.Logf("%s, campaign %d, audience %d", d.Dialect, id, audience)
	for _, mode := range []string{"compute", "cached"} {
		b.Run(mode, func(b *testing.B) {
			cpu := cpuTime()
			var e *campaign.Effect
			var err error
			for b.Loop() {
				if mode == "compute" {
					e, err = svc.RefreshEffect(ctx, identity.System(), id)
				} else {
					e, err = svc.Effect(ctx, identity.System(), id)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(e.Orders), "orders")
		})
	}
}
