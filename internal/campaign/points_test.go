package campaign_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// TestPointsLedgerAndReferredFriend: check-in earns the campaign's points
// in the ledger (once: a second check-in is refused); a friend registers
// through the referral link and becomes a referral lead of the campaign
// linked to the referrer; when the friend buys (order through the sales
// service) the referrer earns the referral points once; the balance is the
// sum of the ledger; the ledger refuses changes and deletions; staff see
// the campaign's grants, another store's consultant does not.
func TestPointsLedgerAndReferredFriend(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.published(0, func(in *campaign.Input) {
			in.BenefitKind, in.BenefitPoints, in.ReferralPoints, in.ReferralReward = "points", 100, 500, "好友购车奖励 500 积分"
		})
		_, u := f.customer("上海", "owner", true, true)
		p, err := f.Svc.SignUp(f.ctx, u, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.CheckIn(f.ctx, f.Seller, c.ID, p.CheckInCode); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.CheckIn(f.ctx, f.Seller, c.ID, p.CheckInCode)
		wantCode(t, err, apperr.Conflict)
		pts, err := f.Svc.OwnerPoints(f.ctx, u)
		if err != nil || pts.Balance != 100 || len(pts.History) != 1 || pts.History[0].Reason != "check_in" || pts.History[0].SourceID != p.ID {
			t.Fatalf("after check-in: %+v %v", pts, err)
		}

		// The friend registers through the link.
		ref, err := f.Svc.ReferralCode(f.ctx, u, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		friend, err := f.Svc.RegisterFriend(f.ctx, ref.Code, account.RegisterInput{Mobile: "13700001111", Name: "孙悦", Password: "pass-word-1", Password2: "pass-word-1"})
		if err != nil {
			t.Fatal(err)
		}
		var leadID, leadCampaign int64
		var source string
		if err := d.QueryRowContext(f.ctx, `SELECT l.id, l.source, l.campaign_id FROM leads l JOIN campaign_referrals r ON r.lead_id = l.id
			WHERE r.customer_id = $1 AND r.referrer_id = $2`, friend.CustomerID, u.CustomerID).Scan(&leadID, &source, &leadCampaign); err != nil {
			t.Fatalf("the friend's referral lead: %v", err)
		}
		if source != "referral" || leadCampaign != c.ID {
			t.Errorf("lead source %q campaign %d", source, leadCampaign)
		}
		// A closed campaign's link opens no account.
		_, err = f.Svc.RegisterFriend(f.ctx, "NOSUCHCODE", account.RegisterInput{Mobile: "13700001112", Name: "路人", Password: "pass-word-1", Password2: "pass-word-1"})
		wantCode(t, err, apperr.NotFound)
		if n := f.count(`SELECT COUNT(*) FROM users WHERE mobile = '13700001112'`); n != 0 {
			t.Errorf("an account was opened through an unknown code")
		}

		// The friend buys: the order hook rewards the referrer once.
		f.Clock.Advance(24 * time.Hour)
		sys := identity.System()
		opp, err := f.Sales.ConvertLead(f.ctx, sys, leadID, sales.ConvertInput{ModelID: f.Model})
		if err == nil {
			_, err = f.Sales.MoveStage(f.ctx, sys, opp, sales.MoveInput{Stage: "order", AmountFen: 26800000})
		}
		if err == nil {
			_, err = f.Sales.CreateOrder(f.ctx, sys, opp, sales.OrderInput{Configuration: "长续航版", DepositFen: 500000})
		}
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.Svc.RewardReferrals(f.ctx, sys); err != nil || n != 0 {
			t.Errorf("the sweep rewarded %d again (%v)", n, err)
		}
		pts, _ = f.Svc.OwnerPoints(f.ctx, u)
		if pts.Balance != 600 || len(pts.History) != 2 || pts.History[0].Reason != "referral" || pts.History[0].Points != 500 {
			t.Fatalf("after the friend bought: %+v", pts)
		}
		if k := f.count(`SELECT COUNT(*) FROM campaign_referrals WHERE lead_id = $1 AND rewarded_at IS NOT NULL AND order_id IS NOT NULL`, leadID); k != 1 {
			t.Errorf("referral not recorded as rewarded")
		}

		// Append-only.
		if _, err := d.ExecContext(f.ctx, `UPDATE campaign_points SET points = 9999 WHERE customer_id = $1`, u.CustomerID); err == nil {
			t.Error("a ledger row was changed")
		}
		if _, err := d.ExecContext(f.ctx, `DELETE FROM campaign_points WHERE customer_id = $1`, u.CustomerID); err == nil {
			t.Error("a ledger row was deleted")
		}

		// Staff view.
		cp, err := f.Svc.CampaignPoints(f.ctx, f.Seller, c.ID, 50)
		if err != nil || cp.Total != 600 || cp.Grants != 2 || len(cp.Entries) != 2 {
			t.Fatalf("campaign points %+v %v", cp, err)
		}
		_, err = f.Svc.CampaignPoints(f.ctx, f.Other, c.ID, 50)
		wantCode(t, err, apperr.NotFound)
		_, err = f.Svc.OwnerPoints(f.ctx, f.Seller)
		wantCode(t, err, apperr.Forbidden)
	})
}

// TestReferralRewardOnce: orders that came in without the order hook (an
// import) are rewarded by the sweep; many sweeps at the same time grant the
// referral points, the notice and the audit row exactly once.
func TestReferralRewardOnce(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.published(0, func(in *campaign.Input) { in.ReferralPoints = 300 })
		_, u := f.customer("上海", "owner", true, true)
		ref, err := f.Svc.ReferralCode(f.ctx, u, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		leadID, err := f.Svc.SubmitReferral(f.ctx, ref.Code, campaign.FriendInput{Name: "周青", Mobile: "13700002222", City: "上海"})
		if err != nil {
			t.Fatal(err)
		}
		var cust int64
		if err := d.QueryRowContext(f.ctx, `SELECT customer_id FROM leads WHERE id = $1`, leadID).Scan(&cust); err != nil {
			t.Fatal(err)
		}
		at := start.Add(48 * time.Hour)
		f.Clock.Set(at.Add(time.Hour))
		f.exec(`INSERT INTO vehicle_orders (code, customer_id, store_id, model_id, price_fen, discount_fen, status, ordered_at) VALUES ('SO-IMPORT-1', $1, $2, $3, 26800000, 0, 'ordered', $4)`,
			cust, f.Store, f.Model, at)
		const n = 6
		var wg sync.WaitGroup
		got := make([]int, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = f.Svc.RewardReferrals(f.ctx, identity.System())
			}()
		}
		wg.Wait()
		total := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i, errs[i])
			}
			total += got[i]
		}
		if total != 1 {
			t.Errorf("%d rewards reported", total)
		}
		if k := f.count(`SELECT COUNT(*) FROM campaign_points WHERE customer_id = $1 AND reason = 'referral'`, u.CustomerID); k != 1 {
			t.Errorf("%d ledger rows", k)
		}
		if k := f.count(`SELECT COALESCE(SUM(points), 0) FROM campaign_points WHERE customer_id = $1`, u.CustomerID); k != 300 {
			t.Errorf("balance %d", k)
		}
		if k := f.count(`SELECT COUNT(*) FROM notifications WHERE title LIKE '推荐奖励到账%'`); k != 1 {
			t.Errorf("%d reward notices", k)
		}
		if k := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'referral_reward'`); k != 1 {
			t.Errorf("%d reward audit rows", k)
		}
	})
}
