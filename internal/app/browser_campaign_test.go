package app_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// TestBrowserCampaignJourney drives chromium through a campaign: the demo
// consultant creates an owner event, sets its segment (the demo owner's
// city, owners; the live count answers) and publishes it (the job runs on
// the test server's workers); the demo owner sees the invitation in the
// notifications, signs up, gets the check-in code and a referral link; the
// consultant checks the owner in; a friend opens the referral link and
// leaves a lead; the friend later buys (the store converts the lead and
// takes the order); the referrer is rewarded and the campaign page shows
// the attributed order. Screenshots for the manual at desk and phone width.
func TestBrowserCampaignJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite, func(c *config.Config) { c.Worker = true })
	b := newBrowser(t, exe, s.URL, shots, 300*time.Second)
	ctx := b.ctx
	desk := func() { b.do("desk viewport", chromedp.EmulateViewport(1280, 900)) }
	phone := func() {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	}
	desk()
	var city string
	var ownerCust int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT c.city, c.id FROM users u JOIN customers c ON c.id = u.customer_id WHERE u.username = 'owner'`).Scan(&city, &ownerCust); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.ExecContext(ctx, `UPDATE customers SET consent_marketing = $1 WHERE id = $2`, true, ownerCust); err != nil {
		t.Fatal(err)
	}

	// 1. The consultant creates the campaign.
	b.login("sales", "销售顾问")
	b.navigate("/sales/campaigns/new")
	b.wait("campaign form", `document.querySelector('#campaign-form') !== null`)
	b.do("fill the campaign",
		chromedp.SendKeys(chromedp.ID("name"), "车主露营日"),
		chromedp.SetValue(chromedp.ID("kind"), "owner_event"),
		chromedp.SendKeys(chromedp.ID("place"), "滨江露营基地"),
		chromedp.SendKeys(chromedp.ID("description"), "**带上家人**，一起露营！\n\n- 烧烤\n- 星空观影"),
		chromedp.SetValue(chromedp.ID("capacity"), "30"),
		chromedp.SetValue(chromedp.ID("benefit_kind"), "coupon"),
		chromedp.SendKeys(chromedp.ID("coupon_value"), "200"),
		chromedp.SendKeys(chromedp.ID("referral_reward"), "好友购车奖励 2000 积分"),
		chromedp.SetValue(chromedp.ID("referral_points"), "2000"),
		chromedp.SetValue(chromedp.ID("holdout_pct"), "0"),
	)
	b.do("create", chromedp.Click(chromedp.CSS(`#campaign-form button[type=submit]`)))
	b.wait("campaign page", `document.querySelector('#campaign-status') !== null`)
	b.contains("#campaign-status", "草稿")
	path := evalJS[string](b, "path", `location.pathname`)

	// 2. The segment: the owner's city and owners; the live count answers.
	b.do("city rule",
		chromedp.SetValue(chromedp.CSS(`#rules tbody tr:nth-child(1) select[name=rule_field]`), "city"),
		chromedp.SetValue(chromedp.CSS(`#rules tbody tr:nth-child(1) select[name=rule_op]`), "in"),
		chromedp.SendKeys(chromedp.CSS(`#rules tbody tr:nth-child(1) input[name=rule_value]`), city),
		chromedp.SetValue(chromedp.CSS(`#rules tbody tr:nth-child(2) select[name=rule_field]`), "kind"),
		chromedp.SetValue(chromedp.CSS(`#rules tbody tr:nth-child(2) select[name=rule_op]`), "eq"),
		chromedp.SendKeys(chromedp.CSS(`#rules tbody tr:nth-child(2) input[name=rule_value]`), "owner"),
	)
	b.wait("live count", `document.querySelector('#count-consented') !== null && document.querySelector('#live-count').innerText.includes('未同意')`)
	b.shot("sales-campaign-segment.png", "#segment")
	b.do("save the segment", chromedp.Click(chromedp.CSS(`#segment-form button[type=submit]`)))
	b.wait("segment saved", `location.search.includes('campaign_segment') && document.querySelector('.alert-success') !== null`)
	b.contains(".alert-success", "人群规则已保存")

	// 3. Publish: the job builds the audience and invites the owner.
	b.do("publish", chromedp.Click(chromedp.ID("publish")))
	b.wait("published", `document.querySelector('#campaign-status') !== null && document.querySelector('#campaign-status').innerText.includes('已发布')`)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var n int
		if err := s.App.DB.QueryRowContext(ctx, `SELECT reached_count FROM campaigns WHERE name = '车主露营日'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.fail("the publish job did not reach anyone")
		}
		time.Sleep(300 * time.Millisecond)
	}
	b.logout()

	// 4. The owner: the invitation, sign-up, check-in code, referral link.
	b.login("owner", "车主")
	b.navigate("/notifications")
	b.wait("notifications", `document.body.innerText.includes('活动邀请：车主露营日')`)
	b.navigate("/owner/campaigns")
	b.wait("campaign list", `document.querySelector('#current-campaigns') !== null`)
	b.contains("#current-campaigns", "车主露营日")
	phone()
	b.shot("owner-campaigns-mobile.png", "viewport")
	id := strings.TrimPrefix(path, "/sales/campaigns/")
	b.navigate("/owner/campaigns/" + id)
	b.wait("campaign", `document.querySelector('#signup') !== null`)
	b.do("sign up", chromedp.Click(chromedp.ID("signup")))
	b.wait("signed up", `location.search.includes('signup_registered') && document.querySelector('#checkin-code') !== null`)
	code := strings.TrimSpace(b.text("#checkin-code"))
	b.do("referral code", chromedp.Click(chromedp.ID("get-referral")))
	b.wait("referral link", `location.search.includes('referral_code') && document.querySelector('#referral-link') !== null`)
	link := b.value("#referral-link")
	b.shot("owner-campaign-mobile.png", "body")
	desk()
	b.logout()

	// 5. The consultant checks the owner in.
	b.login("sales", "销售顾问")
	b.navigate(path)
	b.wait("check-in form", `document.querySelector('#check-in') !== null`)
	b.do("check in", chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Click(chromedp.CSS(`#check-in button[type=submit]`)))
	b.wait("checked in", `document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('签到')`)
	b.contains(".alert-success", "签到成功")
	b.contains("#participants", "已签到")
	b.logout()

	// 6. The friend opens the referral link and registers an owner account
	// through it (the registration page keeps the code).
	ref := link[strings.Index(link, "/r/"):]
	b.navigate(ref)
	b.wait("friend's page", `document.querySelector('#register-with-referral') !== null`)
	phone()
	b.do("register through the link", chromedp.Click(chromedp.ID("register-with-referral")))
	b.wait("registration page", `document.querySelector('#register-form') !== null && document.querySelector('#register-referral') !== null`)
	b.contains("#register-referral", "车主露营日")
	b.do("friend registers",
		chromedp.SendKeys(chromedp.ID("mobile"), "13655558888"),
		chromedp.SendKeys(chromedp.ID("name"), "孙悦"),
		chromedp.SendKeys(chromedp.ID("password"), "friend-pass-1"),
		chromedp.SendKeys(chromedp.ID("password2"), "friend-pass-1"))
	b.shot("referral-register-mobile.png", "body")
	b.do("submit", chromedp.Click(chromedp.CSS(`#register-form button[type=submit]`)))
	b.wait("registered", `location.pathname.startsWith('/owner') && location.search.includes('registered')`)
	desk()
	b.logout()
	var leadID, leadCampaign int64
	var source string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT l.id, l.source, l.campaign_id FROM leads l JOIN users u ON u.customer_id = l.customer_id
		JOIN campaign_referrals r ON r.lead_id = l.id WHERE u.mobile = '13655558888' AND r.referrer_id = $1`, ownerCust).Scan(&leadID, &source, &leadCampaign); err != nil || source != "referral" {
		b.fail("the friend's referral lead: %v %q", err, source)
	}
	if want, _ := strconv.ParseInt(strings.TrimPrefix(path, "/sales/campaigns/"), 10, 64); leadCampaign != want {
		b.fail("the friend's lead is of campaign %d, want %d", leadCampaign, want)
	}

	// 7. Later the friend buys: the store converts the lead and takes the
	// order; the order rewards the referrer at once (points and coupon).
	sys := identity.System()
	var model int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM vehicle_models WHERE active = $1`, true).Scan(&model); err != nil {
		t.Fatal(err)
	}
	opp, err := s.App.Sales.ConvertLead(ctx, sys, leadID, sales.ConvertInput{ModelID: model})
	if err == nil {
		_, err = s.App.Sales.MoveStage(ctx, sys, opp, sales.MoveInput{Stage: "order", AmountFen: 26800000})
	}
	if err == nil {
		_, err = s.App.Sales.CreateOrder(ctx, sys, opp, sales.OrderInput{Configuration: "长续航版", Color: "冰川白", DepositFen: 500000})
	}
	if err != nil {
		b.fail("the friend's purchase: %v", err)
	}

	// 8. The campaign page shows the attributed order.
	b.login("sales", "销售顾问")
	b.navigate(path)
	b.wait("effect", `document.querySelector('#eff-orders') !== null`)
	if got := strings.TrimSpace(b.text("#eff-orders")); got != "1" {
		b.fail("attributed orders %q, want 1", got)
	}
	b.contains("#eff-revenue", "268,000.00")
	b.contains("#attribution-rule", "归因规则")
	b.shot("sales-campaign.png", "body")
	var rewarded int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_referrals WHERE lead_id = $1 AND rewarded_at IS NOT NULL`, leadID).Scan(&rewarded); err != nil || rewarded != 1 {
		b.fail("referrer not rewarded: %d %v", rewarded, err)
	}
	b.contains("#campaign-points", "推荐好友购车")
	b.logout()

	// 9. The referrer sees the points in their ledger (phone).
	b.login("owner", "车主")
	phone()
	b.navigate("/owner/campaigns/points")
	b.wait("points", `document.querySelector('#points-history') !== null`)
	b.contains("#points-history", "推荐好友购车")
	b.contains("#points-history", "+2000")
	b.shot("owner-points-mobile.png", "body")
	desk()
}
