package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// TestCampaignJourneyAPI runs the campaign journey through the JSON API
// with the job workers on: a consultant creates a campaign for a segment
// (the demo owner's city, owners) and publishes it; the publish job builds
// the audience and invites the owner, who signs up and gets a check-in
// code the consultant accepts; the owner's referral link brings a friend
// whose lead (source referral) becomes an order; the reward is issued and
// the campaign's effect counts the attributed order.
func TestCampaignJourneyAPI(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite, func(c *config.Config) { c.Worker = true })
	ctx := t.Context()
	var city string
	var ownerCust int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT c.city, c.id FROM users u JOIN customers c ON c.id = u.customer_id WHERE u.username = 'owner'`).Scan(&city, &ownerCust); err != nil {
		t.Fatal(err)
	}
	// The owner consents to marketing (only those are contacted).
	if _, err := s.App.DB.ExecContext(ctx, `UPDATE customers SET consent_marketing = $1 WHERE id = $2`, true, ownerCust); err != nil {
		t.Fatal(err)
	}
	seller, owner := s.Session(t, "sales"), s.Session(t, "owner")
	call := func(c *http.Client, method, path string, body any, want int, out any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(method, s.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, b)
			}
		}
	}
	now := time.Now().UTC()
	var created struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	// Bad input is a 422 naming the field.
	var bad struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	call(seller, "POST", "/api/v1/campaigns", map[string]any{"name": "x", "kind": "test_drive_event"}, 422, &bad)
	if bad.Error.Fields["name"] == "" {
		t.Errorf("invalid create: %+v", bad)
	}
	call(seller, "POST", "/api/v1/campaigns", map[string]any{"name": "车主试驾日", "kind": "owner_event", "channel": "offline", "place": "门店",
		"starts_at": now.Add(48 * time.Hour), "ends_at": now.Add(52 * time.Hour), "capacity": 10, "holdout_pct": 0,
		"benefit_kind": "coupon", "coupon_value_fen": 20000, "referral_reward": "好友购车奖励 2000 积分",
		"rules": []map[string]string{{"field": "city", "op": "in", "value": city}, {"field": "kind", "op": "eq", "value": "owner"}}}, 201, &created)
	var count struct {
		Consented int `json:"consented"`
		NoConsent int `json:"no_consent"`
	}
	call(seller, "POST", "/api/v1/campaigns/segment-count", map[string]any{"rules": []map[string]string{{"field": "city", "op": "in", "value": city}}}, 200, &count)
	if count.Consented == 0 {
		t.Errorf("count: %+v", count)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", created.ID)
	call(owner, "POST", path+"/signup", nil, 404, nil) // a draft is nobody's to join
	call(seller, "POST", path+"/publish", nil, 200, &created)
	// The publish job builds the audience and invites the owner (to this
	// campaign: the demo set-up publishes one of its own).
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.customer_id = $1 AND n.kind = 'campaign.invite' AND n.link = $2`, ownerCust, fmt.Sprintf("/owner/campaigns/%d", created.ID)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the owner was not invited")
		}
		time.Sleep(200 * time.Millisecond)
	}
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	call(owner, "GET", "/api/v1/campaigns", nil, 200, &list)
	found := false
	for _, it := range list.Items {
		found = found || it.ID == created.ID
	}
	if !found {
		t.Fatalf("the owner does not see the campaign: %+v", list)
	}
	var signup struct {
		Status string `json:"status"`
		Code   string `json:"check_in_code"`
	}
	call(owner, "POST", path+"/signup", nil, 201, &signup)
	if signup.Status != "registered" || len(signup.Code) != 6 {
		t.Fatalf("sign-up %+v", signup)
	}
	call(owner, "POST", path+"/signup", nil, 409, nil)
	call(seller, "POST", path+"/check-in", map[string]string{"code": signup.Code}, 200, nil)
	call(seller, "POST", path+"/check-in", map[string]string{"code": signup.Code}, 409, nil)
	// A coupon was issued at check-in.
	var coupons int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_coupons WHERE customer_id = $1 AND campaign_id = $2`, ownerCust, created.ID).Scan(&coupons); err != nil || coupons != 1 {
		t.Errorf("coupons %d %v", coupons, err)
	}
	// Referral: the friend leaves a lead through the public page.
	var ref struct {
		Code string `json:"code"`
		Link string `json:"link"`
	}
	call(owner, "POST", path+"/referral-code", nil, 200, &ref)
	res, err := s.PostForm(s.Client(), ref.Link, url.Values{"name": {"钱多多"}, "mobile": {"13698765432"}, "city": {city}, "consent": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("friend's form: %d", res.StatusCode)
	}
	var leadID, store int64
	var source string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT l.id, l.source, l.store_id FROM leads l JOIN customers c ON c.id = l.customer_id
		WHERE c.mobile = '13698765432' AND l.campaign_id = $1`, created.ID).Scan(&leadID, &source, &store); err != nil || source != "referral" {
		t.Fatalf("friend's lead: %v %s", err, source)
	}
	// The friend buys: the store converts the lead and takes the order.
	mgr := identity.System()
	var model int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM vehicle_models WHERE active = $1`, true).Scan(&model); err != nil {
		t.Fatal(err)
	}
	oppID, err := s.App.Sales.ConvertLead(ctx, mgr, leadID, sales.ConvertInput{ModelID: model})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Sales.MoveStage(ctx, mgr, oppID, sales.MoveInput{Stage: "order", AmountFen: 25000000}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Sales.CreateOrder(ctx, mgr, oppID, sales.OrderInput{Configuration: "长续航版", Color: "星空灰", DepositFen: 500000}); err != nil {
		t.Fatal(err)
	}
	// The order's transaction rewarded the referrer; the background sweep
	// (which also rewards the demo data's due referrals) must not reward
	// this referral a second time.
	var rewarded int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_referrals WHERE lead_id = $1 AND rewarded_at IS NOT NULL AND order_id IS NOT NULL`, leadID).Scan(&rewarded); err != nil || rewarded != 1 {
		t.Fatalf("the order did not reward the referrer: %d %v", rewarded, err)
	}
	if _, err := s.App.Campaigns.RewardReferrals(ctx, identity.System()); err != nil {
		t.Fatal(err)
	}
	var rewardCoupons int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_coupons k JOIN campaign_referrals f ON f.referrer_id = k.customer_id AND f.campaign_id = k.campaign_id
		WHERE k.reason = 'referral' AND f.lead_id = $1`, leadID).Scan(&rewardCoupons); err != nil || rewardCoupons != 1 {
		t.Fatalf("referral coupons %d, want 1 (%v)", rewardCoupons, err)
	}
	var camp struct {
		Effect struct {
			Leads     int   `json:"leads"`
			Orders    int   `json:"orders"`
			Revenue   int64 `json:"revenue_fen"`
			SignUps   int   `json:"sign_ups"`
			CheckIns  int   `json:"check_ins"`
			Referrals int   `json:"referrals"`
		} `json:"effect"`
	}
	call(seller, "GET", path, nil, 200, &camp)
	if e := camp.Effect; e.Orders != 1 || e.Revenue != 25000000 || e.Leads < 1 || e.SignUps != 1 || e.CheckIns != 1 || e.Referrals != 1 {
		t.Errorf("effect %+v", e)
	}
	// Another store's consultant does not see it; a service advisor may not list.
	call(s.Session(t, "service"), "GET", "/api/v1/campaigns", nil, 403, nil)
}
