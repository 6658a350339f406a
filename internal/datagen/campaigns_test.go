package datagen

import (
	"context"
	"math"
	"testing"

	"github.com/nevcrm/nevcrm/internal/account"
	bookings "github.com/nevcrm/nevcrm/internal/booking"
	campaigns "github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// TestKnownCampaignUplift generates a database and measures the uplift of
// the known-effect campaigns with the campaign service: the 95% interval
// must contain the true effect and the estimate lie within three standard
// errors of it (the generator's seed is fixed, so the check is stable).
func TestKnownCampaignUplift(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		generateT(t, d, 4000, 11)
		acc := account.NewService(d, nil)
		s := sales.NewService(d, nil, acc.HashBuyerPassword)
		svc := campaigns.NewService(d, nil, acc, s, workorder.NewService(d, bookings.NewService(d, nil), nil))
		for _, k := range KnownCampaigns {
			var id int64
			if err := d.QueryRowContext(ctx, `SELECT id FROM campaigns WHERE name = $1`, k.Name).Scan(&id); err != nil {
				t.Fatal(err)
			}
			e, err := svc.Effect(ctx, identity.System(), id)
			if err != nil {
				t.Fatal(err)
			}
			u := e.Uplift
			if u == nil || u.Insufficient {
				t.Fatalf("%s: no uplift (%+v)", k.Name, u)
			}
			se := (u.High - u.Low) / (2 * 1.96)
			t.Logf("%s: target %d/%d, hold-out %d/%d, uplift %.4f [%.4f, %.4f], true %.4f", k.Name, u.TargetConv, u.TargetN,
				u.HoldoutConv, u.HoldoutN, u.Diff, u.Low, u.High, k.TrueUplift)
			if k.TrueUplift < u.Low || k.TrueUplift > u.High {
				t.Errorf("%s: true uplift %.4f outside the interval [%.4f, %.4f]", k.Name, k.TrueUplift, u.Low, u.High)
			}
			if math.Abs(u.Diff-k.TrueUplift) > 3*se {
				t.Errorf("%s: estimate %.4f more than 3 SE (%.4f) from %.4f", k.Name, u.Diff, se, k.TrueUplift)
			}
			if share := float64(u.HoldoutN) / float64(u.HoldoutN+u.TargetN); math.Abs(share-float64(k.HoldoutPct)/100) > 0.05 {
				t.Errorf("%s: hold-out share %.3f, want about %d%%", k.Name, share, k.HoldoutPct)
			}
			if k.TrueUplift > 0 && (e.Orders == 0 || e.RevenueFen == 0 || e.Leads == 0) {
				t.Errorf("%s: attributed leads %d, orders %d, revenue %d", k.Name, e.Leads, e.Orders, e.RevenueFen)
			}
		}
	})
}
