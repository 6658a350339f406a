package campaign_test

import (
	"math"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestAttributionLastTouchAndWindow: an order after a later touch by
// another campaign goes to that campaign; an order past the window counts
// for nobody; a lead of the campaign counts whenever it came; revenue is
// price less discount; cost per order and ROI follow.
func TestAttributionLastTouchAndWindow(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.published(0)
		b := f.published(0, func(in *campaign.Input) { in.Name = "第二场活动" })
		if _, err := f.Svc.AddCost(f.ctx, f.Seller, a.ID, campaign.CostInput{Item: "场地", AmountFen: 100000_00, SpentOn: "2026-11-20"}); err != nil {
			t.Fatal(err)
		}
		order := func(cust int64, at time.Time, price, discount int64) {
			lead := f.id(`INSERT INTO leads (customer_id, store_id, source, status, created_at, updated_at) VALUES ($1, $2, 'website', 'converted', $3, $3) RETURNING id`, cust, f.Store, at)
			opp := f.id(`INSERT INTO opportunities (lead_id, customer_id, store_id, stage, amount_fen, created_at, updated_at) VALUES ($1, $2, $3, 'order', $4, $5, $5) RETURNING id`,
				lead, cust, f.Store, price, at)
			f.exec(`INSERT INTO vehicle_orders (code, customer_id, opportunity_id, store_id, model_id, price_fen, discount_fen, status, ordered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'ordered', $8)`,
				"SO"+at.Format("20060102150405")+f.Store2String(cust), cust, opp, f.Store, f.Model, price, discount, at)
		}
		signup := func(c *campaign.Campaign, cust int64, at time.Time) {
			f.exec(`INSERT INTO campaign_participations (campaign_id, customer_id, status, joined_at, check_in_code) VALUES ($1, $2, 'registered', $3, $4)`,
				c.ID, cust, at, f.Store2String(cust)+"0")
		}
		x, _ := f.customer("上海", "prospect", true, false)
		y, _ := f.customer("上海", "prospect", true, false)
		z, _ := f.customer("上海", "prospect", true, false)
		day := 24 * time.Hour
		signup(a, x, start)
		signup(b, x, start.Add(2*day))
		order(x, start.Add(3*day), 30000000, 0) // last touch: b
		signup(a, y, start)
		order(y, start.Add(40*day), 30000000, 0) // past the 30-day window
		signup(a, z, start)
		order(z, start.Add(5*day), 26800000, 800000) // a
		ea, err := f.Svc.Effect(f.ctx, f.Seller, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ea.Leads != 1 || ea.Opportunities != 1 || ea.Orders != 1 || ea.RevenueFen != 26000000 {
			t.Errorf("campaign a: leads %d opps %d orders %d revenue %d", ea.Leads, ea.Opportunities, ea.Orders, ea.RevenueFen)
		}
		if ea.CostPerOrder != 100000_00 || math.Abs(ea.ROI-1.6) > 1e-9 {
			t.Errorf("cost per order %d, ROI %f", ea.CostPerOrder, ea.ROI)
		}
		eb, err := f.Svc.Effect(f.ctx, f.Seller, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if eb.Orders != 1 || eb.RevenueFen != 30000000 {
			t.Errorf("campaign b: orders %d revenue %d", eb.Orders, eb.RevenueFen)
		}
		// The interval: 30/100 vs 10/100.
		diff, lo, hi := campaign.UpliftCI(30, 100, 10, 100)
		if math.Abs(diff-0.2) > 1e-9 || math.Abs((hi-lo)/2-1.96*math.Sqrt(0.3*0.7/100+0.1*0.9/100)) > 1e-9 {
			t.Errorf("uplift %f [%f, %f]", diff, lo, hi)
		}
	})
}
