package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	campaigns "github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
)

// KnownCampaign is a generated campaign whose true effect is known: its
// audience is split into target and hold-out (campaigns.InHoldout) and each
// member places an order within the attribution window after publishing
// with probability BaseRate, plus TrueUplift for the target group. A test
// checks that the measured uplift (campaign.Service.Effect) recovers it.
type KnownCampaign struct {
	Name       string
	Kind       string
	BaseRate   float64
	TrueUplift float64 // in proportion points: 0.05 = 5 percentage points
	HoldoutPct int
	DaysAgo    int // published this many days before now
}

// KnownCampaigns are generated into every database (see campaignExtras).
var KnownCampaigns = []KnownCampaign{
	{Name: "新车上市品鉴会（效果评估样本）", Kind: "launch", BaseRate: 0.03, TrueUplift: 0.05, HoldoutPct: 20, DaysAgo: 75},
	{Name: "线上直播看车节（效果评估样本）", Kind: "online", BaseRate: 0.03, TrueUplift: 0, HoldoutPct: 20, DaysAgo: 140},
}

// knownWindow is the attribution window of the known campaigns.
const knownWindow = 30

// campaignExtras completes the campaign data after the bulk load: places
// taken by the sign-ups, cost lines adding up to each
// campaign's cost, segment rules and a published audience for the store
// campaigns, and the known-effect campaigns with their audience, hold-out
// and the leads, opportunities and orders their members placed.
func campaignExtras(ctx context.Context, d *db.DB, opt Options) error {
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0x510e527fade682d1))
	return d.InTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`UPDATE campaigns SET seats_taken = (SELECT COUNT(*) FROM campaign_participations p WHERE p.campaign_id = campaigns.id
				AND p.status IN ('registered', 'attended')), updated_at = created_at`,
			`UPDATE campaigns SET published_at = created_at WHERE status <> 'draft'`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("campaign extras: %w", err)
			}
		}
		if err := costLines(ctx, tx, r); err != nil {
			return err
		}
		if err := referrals(ctx, tx, r, opt.Now); err != nil {
			return fmt.Errorf("referrals: %w", err)
		}
		if err := coupons(ctx, tx, r, opt.Now); err != nil {
			return fmt.Errorf("coupons: %w", err)
		}
		if err := points(ctx, tx); err != nil {
			return fmt.Errorf("points: %w", err)
		}
		for i, k := range KnownCampaigns {
			if err := knownCampaign(ctx, tx, r, opt.Now, k, i); err != nil {
				return fmt.Errorf("known campaign %q: %w", k.Name, err)
			}
		}
		return nil
	})
}

func nextID(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&id)
	return id + 1, err
}

// costLines splits every campaign's cost into one to three dated lines.
func costLines(ctx context.Context, tx *sql.Tx, r *rand.Rand) error {
	type camp struct {
		id, cost int64
		by       sql.NullInt64
		start    time.Time
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, cost_fen, created_by, starts_at FROM campaigns WHERE cost_fen > 0 ORDER BY id`)
	if err != nil {
		return err
	}
	var list []camp
	for rows.Next() {
		var c camp
		if err := rows.Scan(&c.id, &c.cost, &c.by, &c.start); err != nil {
			rows.Close()
			return err
		}
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	id, err := nextID(ctx, tx, "campaign_costs")
	if err != nil {
		return err
	}
	items := []string{"场地租赁", "物料制作", "线上投放", "礼品采购", "餐饮茶歇", "摄影摄像"}
	for _, c := range list {
		n := 1 + r.IntN(3)
		left := c.cost
		for i := 0; i < n; i++ {
			amount := left
			if i < n-1 {
				amount = left * int64(30+r.IntN(40)) / 100
			}
			if amount <= 0 {
				continue
			}
			left -= amount
			day := c.start.AddDate(0, 0, -r.IntN(10)).In(shanghai).Format("2006-01-02")
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_costs (id, campaign_id, item, amount_fen, spent_on, note, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, '', $6, $7)`, id, c.id, items[r.IntN(len(items))], amount, day, c.by, c.start); err != nil {
				return err
			}
			id++
		}
	}
	return nil
}

// knownCampaign writes one KnownCampaign: a national campaign published
// DaysAgo days before now to every consenting prospect created before it
// (segment rule: prospects), its target and hold-out groups, and for each
// converting member a lead, an opportunity at the order stage and an order
// within the window. Target converters' leads name the campaign.
func knownCampaign(ctx context.Context, tx *sql.Tx, r *rand.Rand, now time.Time, k KnownCampaign, n int) error {
	published := now.AddDate(0, 0, -k.DaysAgo).Truncate(time.Hour)
	var admin sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM users WHERE role = 'admin'`).Scan(&admin); err != nil {
		return err
	}
	cid, err := nextID(ctx, tx, "campaigns")
	if err != nil {
		return err
	}
	starts, ends := published.AddDate(0, 0, 7), published.AddDate(0, 0, 8)
	budget := int64(300000_00 + 100000_00*n)
	cost := budget * 9 / 10
	status := "ended"
	if ends.After(now) {
		status = "running"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, name, kind, channel, store_id, city, description, starts_at, ends_at, budget_fen, cost_fen,
			capacity, status, created_by, created_at, place, holdout_pct, attribution_days, published_at, updated_at, benefit_kind, benefit_text)
		VALUES ($1, $2, $3, $4, NULL, '', $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14, $15, $16, $16, 'gift', '到场即送定制车模')`,
		cid, k.Name, k.Kind, map[bool]string{true: "online", false: "offline"}[k.Kind == "online"],
		"面向潜客的全国活动。**本活动留出对照组**，用于衡量活动带来的真实提升。", starts, ends, budget, cost, status, admin, published.AddDate(0, 0, -7),
		map[bool]string{true: "", false: "各城市旗舰店"}[k.Kind == "online"], k.HoldoutPct, knownWindow, published); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_costs (id, campaign_id, item, amount_fen, spent_on, note, created_by, created_at)
		VALUES ($1, $2, '线上投放与场地', $3, $4, '', $5, $6)`, mustNext(ctx, tx, "campaign_costs"), cid, cost, starts.In(shanghai).Format("2006-01-02"), admin, starts); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_segment_rules (id, campaign_id, field, op, value) VALUES ($1, $2, 'kind', 'eq', 'prospect')`,
		mustNext(ctx, tx, "campaign_segment_rules"), cid); err != nil {
		return err
	}
	// The audience: consenting live prospects created before publishing.
	type member struct {
		id, store int64
		sales     sql.NullInt64
		model     sql.NullInt64
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.store_id, c.sales_user_id, c.preferred_model_id FROM customers c
		WHERE c.kind = 'prospect' AND c.consent_marketing = $1 AND c.erased_at IS NULL AND c.merged_into_id IS NULL AND c.created_at < $2
		AND c.store_id IS NOT NULL ORDER BY c.id`, true, published)
	if err != nil {
		return err
	}
	var members []member
	for rows.Next() {
		var m member
		var store sql.NullInt64
		if err := rows.Scan(&m.id, &store, &m.sales, &m.model); err != nil {
			rows.Close()
			return err
		}
		m.store = store.Int64
		members = append(members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var noConsent int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers c WHERE c.kind = 'prospect' AND c.consent_marketing = $1 AND c.erased_at IS NULL
		AND c.merged_into_id IS NULL AND c.created_at < $2`, false, published).Scan(&noConsent); err != nil {
		return err
	}
	var model, price int64
	if err := tx.QueryRowContext(ctx, `SELECT id, price_fen FROM vehicle_models WHERE active = $1 ORDER BY id LIMIT 1`, true).Scan(&model, &price); err != nil {
		return err
	}
	leadID, err := nextID(ctx, tx, "leads")
	if err != nil {
		return err
	}
	oppID, err := nextID(ctx, tx, "opportunities")
	if err != nil {
		return err
	}
	orderID, err := nextID(ctx, tx, "vehicle_orders")
	if err != nil {
		return err
	}
	holdout, reached := 0, 0
	for _, m := range members {
		arm := "target"
		rate := k.BaseRate + k.TrueUplift
		if campaigns.InHoldout(cid, m.id, k.HoldoutPct) {
			arm, rate = "holdout", k.BaseRate
			holdout++
		}
		var notified any
		if arm == "target" {
			notified, reached = published, reached+1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_audience (campaign_id, customer_id, arm, added_at, notified_at) VALUES ($1, $2, $3, $4, $5)`,
			cid, m.id, arm, published, notified); err != nil {
			return err
		}
		if r.Float64() >= rate {
			continue
		}
		// A conversion: lead, opportunity at the order stage, order.
		leadAt := published.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
		orderAt := leadAt.Add(time.Duration(1+r.IntN(7*24)) * time.Hour)
		if orderAt.After(published.AddDate(0, 0, knownWindow)) {
			orderAt = published.AddDate(0, 0, knownWindow).Add(-time.Hour)
		}
		if orderAt.After(now) {
			continue
		}
		var camp any
		source := "website"
		if arm == "target" {
			camp, source = cid, "event"
		}
		mid := model
		if m.model.Valid {
			mid = m.model.Int64
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO leads (id, customer_id, store_id, sales_user_id, campaign_id, source, status, interested_model_id,
				test_drive, store_visits, first_response_minutes, created_at, updated_at, converted_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'converted', $7, $8, 1, 20, $9, $10, $10)`,
			leadID, m.id, m.store, m.sales, camp, source, mid, true, leadAt, orderAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, lead_id, customer_id, store_id, sales_user_id, model_id, stage, amount_fen, probability,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'order', $7, 90, $8, $9)`,
			oppID, leadID, m.id, m.store, m.sales, mid, price, leadAt, orderAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO vehicle_orders (id, code, customer_id, opportunity_id, store_id, sales_user_id, model_id, price_fen,
				discount_fen, deposit_fen, status, ordered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 500000, 'ordered', $9)`,
			orderID, fmt.Sprintf("SO%s%07d", orderAt.In(shanghai).Format("20060102"), orderID), m.id, oppID, m.store, m.sales, mid, price, orderAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET stage = 'ordered', updated_at = $1 WHERE id = $2`, orderAt, m.id); err != nil {
			return err
		}
		leadID, oppID, orderID = leadID+1, oppID+1, orderID+1
	}
	_, err = tx.ExecContext(ctx, `UPDATE campaigns SET audience_size = $1, holdout_size = $2, reached_count = $3, no_consent_size = $4 WHERE id = $5`,
		len(members), holdout, reached, noConsent, cid)
	return err
}

func mustNext(ctx context.Context, tx *sql.Tx, table string) int64 {
	id, _ := nextID(ctx, tx, table)
	return id
}

// referrals links the leads that came by referral to a referrer: an owner
// whose car was delivered before the lead, through their personal code of a
// campaign running then (a referral campaign when there is one). A referred
// friend who ordered rewarded the referrer the day after the order.
func referrals(ctx context.Context, tx *sql.Tx, r *rand.Rand, now time.Time) error {
	type lead struct {
		id, customer int64
		at           time.Time
		order        sql.NullInt64
		orderedAt    sql.NullTime
	}
	rows, err := tx.QueryContext(ctx, `SELECT l.id, l.customer_id, l.created_at,
			(SELECT MIN(o.id) FROM vehicle_orders o WHERE o.customer_id = l.customer_id AND o.status <> 'cancelled' AND o.ordered_at >= l.created_at)
		FROM leads l WHERE l.source = 'referral' ORDER BY l.id LIMIT 400`)
	if err != nil {
		return err
	}
	var leads []lead
	for rows.Next() {
		var x lead
		if err := rows.Scan(&x.id, &x.customer, &x.at, &x.order); err != nil {
			rows.Close()
			return err
		}
		leads = append(leads, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range leads {
		if x := &leads[i]; x.order.Valid {
			if err := tx.QueryRowContext(ctx, `SELECT ordered_at FROM vehicle_orders WHERE id = $1`, x.order.Int64).Scan(&x.orderedAt); err != nil {
				return err
			}
		}
	}
	codes := map[[2]int64]int64{}
	codeID, err := nextID(ctx, tx, "campaign_referral_codes")
	if err != nil {
		return err
	}
	refID, err := nextID(ctx, tx, "campaign_referrals")
	if err != nil {
		return err
	}
	for _, x := range leads {
		var camp int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM campaigns WHERE status <> 'draft' AND starts_at <= $1
			ORDER BY CASE WHEN kind = 'referral' THEN 0 ELSE 1 END, starts_at DESC, id LIMIT 1`, x.at).Scan(&camp)
		if db.NoRows(err) {
			continue
		}
		if err != nil {
			return err
		}
		var referrer int64
		err = tx.QueryRowContext(ctx, `SELECT v.customer_id FROM vehicles v WHERE v.delivered_at < $1 AND v.customer_id <> $2
			ORDER BY v.id LIMIT 1 OFFSET $3`, x.at, x.customer, r.IntN(50)).Scan(&referrer)
		if db.NoRows(err) {
			continue
		}
		if err != nil {
			return err
		}
		key := [2]int64{camp, referrer}
		code, ok := codes[key]
		if !ok {
			code = codeID
			codeID++
			codes[key] = code
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_referral_codes (id, campaign_id, customer_id, code, created_at) VALUES ($1, $2, $3, $4, $5)`,
				code, camp, referrer, fmt.Sprintf("R%07d", code), x.at.Add(-time.Hour)); err != nil {
				return err
			}
		}
		var order, rewarded any
		if x.order.Valid {
			order, rewarded = x.order.Int64, x.orderedAt.Time.Add(24*time.Hour)
			if x.orderedAt.Time.Add(24 * time.Hour).After(now) {
				order, rewarded = nil, nil
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET campaign_id = $1 WHERE id = $2`, camp, x.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_referrals (id, campaign_id, code_id, referrer_id, customer_id, lead_id, created_at, order_id, rewarded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, refID, camp, code, referrer, x.customer, x.id, x.at, order, rewarded); err != nil {
			return err
		}
		refID++
	}
	return nil
}

// points makes the App campaigns (kind online) give 200 points for signing
// up and the referral campaigns 2,000 points to the referrer when the friend
// buys, and writes the ledger lines those earned as the campaign service
// does: one per sign-up (registered, attended or later cancelled: the
// points stay) and one per rewarded referral, at the time it happened.
func points(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		`UPDATE campaigns SET benefit_kind = 'points', benefit_points = 200, benefit_text = '报名即送 200 积分'
			WHERE kind = 'online' AND benefit_kind = 'none'`,
		`UPDATE campaigns SET referral_points = 2000, referral_reward = '好友购车奖励 2000 积分' WHERE kind = 'referral'`,
		`INSERT INTO campaign_points (customer_id, points, reason, source_id, campaign_id, note, created_at)
			SELECT p.customer_id, c.benefit_points, 'sign_up', p.id, c.id, c.name, p.joined_at FROM campaign_participations p
			JOIN campaigns c ON c.id = p.campaign_id
			WHERE c.benefit_kind = 'points' AND c.channel <> 'offline' AND p.status IN ('registered', 'attended', 'cancelled') ORDER BY p.id`,
		`INSERT INTO campaign_points (customer_id, points, reason, source_id, campaign_id, note, created_at)
			SELECT f.referrer_id, c.referral_points, 'referral', f.id, c.id, c.name, f.rewarded_at FROM campaign_referrals f
			JOIN campaigns c ON c.id = f.campaign_id
			WHERE c.referral_points > 0 AND f.rewarded_at IS NOT NULL ORDER BY f.id`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// coupons makes the owner events and charging promotions give a ¥200
// service coupon to each attendee, valid 90 days; about a third of the
// coupons whose owner had a later work order were redeemed on it.
func coupons(ctx context.Context, tx *sql.Tx, r *rand.Rand, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET benefit_kind = 'coupon', coupon_value_fen = 20000, coupon_valid_days = 90,
		benefit_text = '到场签到即送 200 元保养抵扣券' WHERE kind IN ('owner_event', 'charging_promo')`); err != nil {
		return err
	}
	type att struct {
		campaign, customer int64
		at                 time.Time
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.campaign_id, p.customer_id, p.attended_at FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id
		WHERE c.benefit_kind = 'coupon' AND p.status = 'attended' AND p.attended_at IS NOT NULL ORDER BY p.id`)
	if err != nil {
		return err
	}
	var list []att
	for rows.Next() {
		var a att
		if err := rows.Scan(&a.campaign, &a.customer, &a.at); err != nil {
			rows.Close()
			return err
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	id, err := nextID(ctx, tx, "campaign_coupons")
	if err != nil {
		return err
	}
	used := map[int64]bool{}
	for _, a := range list {
		expires := a.at.AddDate(0, 0, 90)
		code := fmt.Sprintf("Q%09d", id)
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_coupons (id, campaign_id, customer_id, code, value_fen, reason, status, issued_at, expires_at)
			VALUES ($1, $2, $3, $4, 20000, 'benefit', 'issued', $5, $6)`, id, a.campaign, a.customer, code, a.at, expires); err != nil {
			return err
		}
		if r.IntN(3) == 0 {
			var wo int64
			var opened time.Time
			var by sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT w.id, w.opened_at, (SELECT MIN(u.id) FROM users u WHERE u.role = 'service' AND u.site_id = w.site_id)
				FROM work_orders w WHERE w.customer_id = $1 AND w.status <> 'cancelled' AND w.opened_at > $2 AND w.opened_at < $3 AND w.discount_fen = 0
				ORDER BY w.opened_at LIMIT 1`, a.customer, a.at, expires).Scan(&wo, &opened, &by)
			if err != nil && !db.NoRows(err) {
				return err
			}
			if err == nil && !used[wo] && opened.Before(now) {
				used[wo] = true
				if _, err := tx.ExecContext(ctx, `UPDATE campaign_coupons SET status = 'redeemed', redeemed_at = $1, work_order_id = $2, redeemed_by = $3 WHERE id = $4`,
					opened.Add(time.Hour), wo, by, id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE work_orders SET discount_fen = 20000,
					total_fen = CASE WHEN total_fen > 20000 THEN total_fen - 20000 ELSE 0 END WHERE id = $1`, wo); err != nil {
					return err
				}
			}
		}
		id++
	}
	return nil
}
