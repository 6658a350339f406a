package campaign_test

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// TestSegmentPublishHoldout: the live count splits consent; publishing
// takes only consenting customers, splits off the hold-out by the hash,
// notifies target members with an account and nobody in the hold-out; only
// the target group sees a targeted campaign; the rules are locked after.
func TestSegmentPublishHoldout(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		type person struct {
			id      int64
			u       *identity.User
			consent bool
		}
		var owners []person
		for i := range 40 {
			consent := i%4 != 0 // 30 consent, 10 do not
			id, u := f.customer("上海", "owner", consent, i%5 != 0)
			f.exec(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, mileage_km, battery_soh, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, '2024-01-01', $4, 95, '2027-01-01', '2032-01-01', $5, $5)`, fmt.Sprintf("LNBSCB3F0RW%06d", i), id, f.Model, 10000*i, start)
			owners = append(owners, person{id, u, consent})
		}
		f.customer("上海", "prospect", true, false)
		f.customer("杭州", "owner", true, true)
		rules := []campaign.Rule{{Field: "city", Op: "in", Value: "上海"}, {Field: "kind", Op: "eq", Value: "车主"}, {Field: "mileage", Op: "gte", Value: "0"}}
		c, err := f.Svc.CountSegment(f.ctx, f.Seller, rules, "", 50)
		if err != nil || c.Matched != 40 || c.Consented != 30 || c.NoConsent != 10 || c.Holdout != 15 {
			t.Fatalf("count %+v %v", c, err)
		}
		_, err = f.Svc.CountSegment(f.ctx, f.Seller, []campaign.Rule{{Field: "mileage", Op: "gte", Value: "很多"}}, "", 0)
		if e := apperr.As(err); e == nil || e.Fields["rules"] == "" {
			t.Fatalf("bad rule: %v", err)
		}
		_, err = f.Svc.CountSegment(f.ctx, f.Service, rules, "", 0)
		wantCode(t, err, apperr.Forbidden)

		camp := f.draft(0, func(in *campaign.Input) { in.HoldoutPct = 50; in.Kind = "owner_event" })
		if _, err := f.Svc.SetRules(f.ctx, f.Seller, camp.ID, rules); err != nil {
			t.Fatal(err)
		}
		camp, err = f.Svc.Publish(f.ctx, f.Seller, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if camp.AudienceSize != 30 || camp.NoConsentSize != 10 || camp.HoldoutSize == 0 || camp.HoldoutSize == 30 {
			t.Fatalf("audience %d, hold-out %d, left out %d", camp.AudienceSize, camp.HoldoutSize, camp.NoConsentSize)
		}
		for _, o := range owners {
			var arm string
			err := d.QueryRowContext(f.ctx, `SELECT arm FROM campaign_audience WHERE campaign_id = $1 AND customer_id = $2`, camp.ID, o.id).Scan(&arm)
			if !o.consent {
				if !db.NoRows(err) {
					t.Errorf("customer %d without consent is in the audience (%s)", o.id, arm)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := campaign.InHoldout(camp.ID, o.id, 50); (arm == "holdout") != want {
				t.Errorf("customer %d: arm %s, hash says hold-out %v", o.id, arm, want)
			}
			if o.u == nil {
				continue
			}
			n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'campaign.invite'`, o.u.ID)
			if (arm == "target") != (n == 1) {
				t.Errorf("customer %d (%s): %d invitations", o.id, arm, n)
			}
			_, err = f.Svc.OwnerCampaign(f.ctx, o.u, camp.ID)
			if arm == "target" && err != nil {
				t.Errorf("target member cannot see it: %v", err)
			}
			if arm == "holdout" {
				wantCode(t, err, apperr.NotFound)
			}
		}
		// Building again (a retried job) notifies nobody twice.
		before := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'campaign.invite'`)
		if err := f.Svc.BuildAudience(f.ctx, identity.System(), camp.ID, nil); err != nil {
			t.Fatal(err)
		}
		if after := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'campaign.invite'`); after != before {
			t.Errorf("retry sent %d more invitations", after-before)
		}
		_, err = f.Svc.SetRules(f.ctx, f.Seller, camp.ID, nil)
		wantCode(t, err, apperr.Conflict)
	})
}

// TestCouponOnWorkOrder: an online campaign's coupon, issued at sign-up, is
// redeemed once on the owner's own open work order and lowers what the
// owner pays; another customer's coupon, a second use and a second coupon
// on the same work order are refused.
func TestCouponOnWorkOrder(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.published(0, func(in *campaign.Input) {
			in.Channel, in.Place, in.Kind, in.BenefitKind, in.CouponValueFen = "online", "", "service_promo", "coupon", 20000
		})
		cust, u := f.customer("上海", "owner", true, true)
		other, u2 := f.customer("上海", "owner", true, true)
		for _, x := range []*identity.User{u, u2} {
			if _, err := f.Svc.SignUp(f.ctx, x, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		mine, err := f.Svc.OwnerCoupons(f.ctx, u)
		if err != nil || len(mine) != 1 || mine[0].ValueFen != 20000 {
			t.Fatalf("coupons %+v %v", mine, err)
		}
		// Signing up again after a cancellation does not issue the benefit twice.
		if _, err := f.Svc.CancelSignup(f.ctx, u, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.SignUp(f.ctx, u, c.ID); err != nil {
			t.Fatal(err)
		}
		if again, err := f.Svc.OwnerCoupons(f.ctx, u); err != nil || len(again) != 1 {
			t.Fatalf("after signing up again: %d coupons %v", len(again), err)
		}
		theirs, _ := f.Svc.OwnerCoupons(f.ctx, u2)
		vid := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ('LNBSCB3F0RW000001', $1, $2, '2024-01-01', '2027-01-01', '2032-01-01', $3, $3) RETURNING id`, cust, f.Model, start)
		wo := f.id(`INSERT INTO work_orders (code, site_id, vehicle_id, customer_id, kind, status, labour_fen, total_fen, opened_at, updated_at)
			VALUES ('WO1', $1, $2, $3, 'maintenance', 'open', 0, 0, $4, $4) RETURNING id`, f.Center, vid, cust, start)
		f.exec(`INSERT INTO work_order_labour (work_order_id, description, minutes, rate_fen, amount_fen, payer) VALUES ($1, '保养', 60, 30000, 30000, 'owner')`, wo)
		_ = other
		_, err = f.Svc.RedeemCoupon(f.ctx, f.Service, wo, theirs[0].Code)
		wantCode(t, err, apperr.Invalid)
		other2 := f.staff("sv2", "他店顾问", identity.RoleService, f.site("C002", "service_center", "杭州服务中心", "杭州"))
		_, err = f.Svc.RedeemCoupon(f.ctx, other2, wo, mine[0].Code)
		wantCode(t, err, apperr.NotFound)
		if _, err := f.Svc.RedeemCoupon(f.ctx, f.Service, wo, " "+mine[0].Code[:4]+"-"+mine[0].Code[4:]+" "); err != nil {
			t.Fatal(err)
		}
		var discount, total int64
		if err := d.QueryRowContext(f.ctx, `SELECT discount_fen, total_fen FROM work_orders WHERE id = $1`, wo).Scan(&discount, &total); err != nil {
			t.Fatal(err)
		}
		if discount != 20000 || total != 10000 {
			t.Errorf("discount %d, owner pays %d", discount, total)
		}
		_, err = f.Svc.RedeemCoupon(f.ctx, f.Service, wo, mine[0].Code)
		wantCode(t, err, apperr.Conflict)
		if campaign.CouponProblem(err) != "used" {
			t.Errorf("problem key %q", campaign.CouponProblem(err))
		}
	})
}

// TestCouponReturnedOnCancel: cancelling a work order gives its redeemed
// coupon back unused, exactly once however many cancel at the same time
// (one return audited, one notice); the coupon can then be used on another
// work order. A work order cancelled without a coupon changes no coupon.
func TestCouponReturnedOnCancel(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.published(0, func(in *campaign.Input) {
			in.Channel, in.Place, in.Kind, in.BenefitKind, in.CouponValueFen = "online", "", "service_promo", "coupon", 20000
		})
		cust, u := f.customer("上海", "owner", true, true)
		if _, err := f.Svc.SignUp(f.ctx, u, c.ID); err != nil {
			t.Fatal(err)
		}
		mine, err := f.Svc.OwnerCoupons(f.ctx, u)
		if err != nil || len(mine) != 1 {
			t.Fatalf("coupons %+v %v", mine, err)
		}
		vid := f.id(`INSERT INTO vehicles (vin, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ('LNBSCB3F0RW000002', $1, $2, '2024-01-01', '2027-01-01', '2032-01-01', $3, $3) RETURNING id`, cust, f.Model, start)
		newWO := func(code string) int64 {
			wo := f.id(`INSERT INTO work_orders (code, site_id, vehicle_id, customer_id, kind, status, labour_fen, total_fen, opened_at, updated_at)
				VALUES ($1, $2, $3, $4, 'maintenance', 'open', 0, 0, $5, $5) RETURNING id`, code, f.Center, vid, cust, start)
			f.exec(`INSERT INTO work_order_labour (work_order_id, description, minutes, rate_fen, amount_fen, payer) VALUES ($1, '保养', 60, 30000, 30000, 'owner')`, wo)
			return wo
		}
		plain := newWO("WO0")
		if _, err := f.WO.Act(f.ctx, f.Service, plain, "cancel", workorder.ActInput{Reason: "车主改期"}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM campaign_coupons WHERE status = 'issued' AND work_order_id IS NULL`); n != 1 {
			t.Fatalf("cancelling a work order without a coupon changed coupons: %d unused", n)
		}
		wo := newWO("WO1")
		if _, err := f.Svc.RedeemCoupon(f.ctx, f.Service, wo, mine[0].Code); err != nil {
			t.Fatal(err)
		}
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.WO.Act(f.ctx, f.Service, wo, "cancel", workorder.ActInput{Reason: "车主取消维修"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("cancel: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d cancellations succeeded", ok)
		}
		var status string
		var woID sql.NullInt64
		var redeemed sql.NullTime
		if err := d.QueryRowContext(f.ctx, `SELECT status, work_order_id, redeemed_at FROM campaign_coupons WHERE id = $1`, mine[0].ID).Scan(&status, &woID, &redeemed); err != nil {
			t.Fatal(err)
		}
		if status != "issued" || woID.Valid || redeemed.Valid {
			t.Fatalf("after cancel: status %s, work order %v, redeemed %v", status, woID, redeemed)
		}
		if k := f.count(`SELECT discount_fen FROM work_orders WHERE id = $1`, wo); k != 0 {
			t.Errorf("the cancelled work order keeps a discount of %d fen", k)
		}
		if k := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'return_coupon' AND entity_id = $1`, wo); k != 1 {
			t.Errorf("%d returns audited", k)
		}
		if k := f.count(`SELECT COUNT(*) FROM notifications WHERE title = '抵扣券已退回'`); k != 1 {
			t.Errorf("%d return notices", k)
		}
		again := newWO("WO2")
		if _, err := f.Svc.RedeemCoupon(f.ctx, f.Service, again, mine[0].Code); err != nil {
			t.Fatalf("the returned coupon cannot be used again: %v", err)
		}
	})
}
