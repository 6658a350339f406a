package campaign

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/nevcrm/nevcrm/internal/identity"
)

// AttributionRule is the attribution rule as pages and the API state it.
const AttributionRule = "触达 = 收到活动站内通知、报名活动或经推荐码留资（取最早一次）。线索：来源活动为本活动的线索，" +
	"加上被触达客户在触达后归因窗口内新建的线索；商机：上述线索转化的商机，加上被触达客户在窗口内新建的商机；" +
	"订单：上述商机的订单，加上被触达客户在窗口内下的订单（已取消的不计）；收入 = 这些订单的成交价（车价 − 优惠）。" +
	"客户在窗口内又被其他活动触达时，之后的转化归最近一次触达的活动（末次触达）。"

// Effect is what a campaign brought in.
type Effect struct {
	CampaignID    int64   `json:"campaign_id"`
	WindowDays    int     `json:"attribution_days"`
	Audience      int     `json:"audience"`
	Holdout       int     `json:"holdout"`
	NoConsent     int     `json:"no_consent"`
	Reached       int     `json:"reached"`
	SignUps       int     `json:"sign_ups"` // registered or attended (not cancelled, not waitlisted)
	Waitlisted    int     `json:"waitlisted"`
	Cancelled     int     `json:"cancelled"`
	CheckIns      int     `json:"check_ins"`
	Referrals     int     `json:"referrals"`
	Leads         int     `json:"leads"`
	Opportunities int     `json:"opportunities"`
	Orders        int     `json:"orders"`
	RevenueFen    int64   `json:"revenue_fen"`
	CostFen       int64   `json:"cost_fen"`
	BudgetFen     int64   `json:"budget_fen"`
	CostPerLead   int64   `json:"cost_per_lead_fen"`  // 0: no leads
	CostPerOrder  int64   `json:"cost_per_order_fen"` // 0: no orders
	ROI           float64 `json:"roi"`                // (revenue − cost) / cost; 0 without cost
	HasROI        bool    `json:"has_roi"`
	Uplift        *Uplift `json:"uplift"` // nil before publishing or without hold-out
	Series        []Day   `json:"series"`
	Rule          string  `json:"attribution_rule"`
}

// Uplift compares the contacted audience with the hold-out group.
type Uplift struct {
	Metric       string  `json:"metric"` // what counts as converting
	TargetN      int     `json:"target_n"`
	TargetConv   int     `json:"target_converted"`
	HoldoutN     int     `json:"holdout_n"`
	HoldoutConv  int     `json:"holdout_converted"`
	TargetRate   float64 `json:"target_rate"`
	HoldoutRate  float64 `json:"holdout_rate"`
	Diff         float64 `json:"uplift"` // TargetRate − HoldoutRate
	Low          float64 `json:"low"`    // 95% confidence interval of Diff
	High         float64 `json:"high"`
	Incremental  float64 `json:"incremental"` // Diff × TargetN: conversions the campaign caused
	Significant  bool    `json:"significant"` // the interval excludes 0
	Insufficient bool    `json:"insufficient"`
}

// UpliftCI is the difference of two conversion proportions with its
// normal-approximation (Wald) 95% confidence interval:
// p1 − p2 ± 1.96·√(p1(1−p1)/n1 + p2(1−p2)/n2).
func UpliftCI(conv1, n1, conv2, n2 int) (diff, low, high float64) {
	if n1 == 0 || n2 == 0 {
		return 0, 0, 0
	}
	p1, p2 := float64(conv1)/float64(n1), float64(conv2)/float64(n2)
	diff = p1 - p2
	se := math.Sqrt(p1*(1-p1)/float64(n1) + p2*(1-p2)/float64(n2))
	return diff, diff - 1.96*se, diff + 1.96*se
}

// Day is one day of the effect chart (Shanghai dates).
type Day struct {
	Date    string `json:"date"`
	SignUps int    `json:"sign_ups"`
	Leads   int    `json:"leads"`
	Orders  int    `json:"orders"`
}

// serviceKinds convert by a service visit rather than a car order.
func serviceKind(kind string) bool { return kind == "service_promo" || kind == "charging_promo" }

// Effect computes the effect figures of campaign id (see AttributionRule)
// and the uplift against the hold-out group. Permissions as for Get.
func (s *Service) Effect(ctx context.Context, actor *identity.User, id int64) (*Effect, error) {
	c, err := s.visible(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	return s.effect(ctx, c)
}

func (s *Service) effect(ctx context.Context, c *Campaign) (*Effect, error) {
	e := &Effect{CampaignID: c.ID, WindowDays: c.AttributionDays, Audience: c.AudienceSize, Holdout: c.HoldoutSize, NoConsent: c.NoConsentSize,
		Reached: c.ReachedCount, CostFen: c.CostFen, BudgetFen: c.BudgetFen, Rule: AttributionRule}
	id := c.ID
	err := s.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN status IN ('registered', 'attended') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'attended' THEN 1 ELSE 0 END), 0)
		FROM campaign_participations WHERE campaign_id = $1`, id).Scan(&e.SignUps, &e.Waitlisted, &e.Cancelled, &e.CheckIns)
	if err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_referrals WHERE campaign_id = $1`, id).Scan(&e.Referrals); err != nil {
		return nil, err
	}
	days := map[string]*Day{}
	day := func(t time.Time) *Day {
		k := t.In(Shanghai).Format("2006-01-02")
		if days[k] == nil {
			days[k] = &Day{Date: k}
		}
		return days[k]
	}
	// Touches: first touch of this campaign per customer.
	const touches = `SELECT customer_id, MIN(at) AS at FROM (
			SELECT customer_id, notified_at AS at FROM campaign_audience WHERE campaign_id = $1 AND notified_at IS NOT NULL
			UNION ALL SELECT customer_id, joined_at FROM campaign_participations WHERE campaign_id = $1
			UNION ALL SELECT customer_id, created_at FROM campaign_referrals WHERE campaign_id = $1) x GROUP BY customer_id`
	// later reports that another campaign touched customer (expr) after
	// this campaign's touch m.at and before the event at ev.
	later := func(cust, ev string) string {
		return `(EXISTS (SELECT 1 FROM campaign_audience a2 WHERE a2.customer_id = ` + cust + ` AND a2.campaign_id <> $1 AND a2.notified_at > m.at AND a2.notified_at <= ` + ev + `)
			OR EXISTS (SELECT 1 FROM campaign_participations p2 WHERE p2.customer_id = ` + cust + ` AND p2.campaign_id <> $1 AND p2.joined_at > m.at AND p2.joined_at <= ` + ev + `)
			OR EXISTS (SELECT 1 FROM campaign_referrals r2 WHERE r2.customer_id = ` + cust + ` AND r2.campaign_id <> $1 AND r2.created_at > m.at AND r2.created_at <= ` + ev + `))`
	}
	window := func(ev string) string {
		return ev + ` >= m.at AND ` + s.db.WithinDays(ev, "m.at", "$2") + ` AND NOT ` + later("m.customer_id", ev)
	}
	al := `SELECT l.id FROM leads l WHERE l.campaign_id = $1
		UNION SELECT l.id FROM leads l JOIN (` + touches + `) m ON m.customer_id = l.customer_id WHERE ` + window("l.created_at")
	ao := `SELECT o.id FROM opportunities o WHERE o.lead_id IN (` + al + `)
		UNION SELECT o.id FROM opportunities o JOIN (` + touches + `) m ON m.customer_id = o.customer_id WHERE ` + window("o.created_at")
	ar := `SELECT v.id FROM vehicle_orders v WHERE v.status <> 'cancelled' AND v.opportunity_id IN (` + ao + `)
		UNION SELECT v.id FROM vehicle_orders v JOIN (` + touches + `) m ON m.customer_id = v.customer_id WHERE v.status <> 'cancelled' AND ` + window("v.ordered_at")
	rows, err := s.db.QueryContext(ctx, `SELECT created_at FROM leads WHERE id IN (`+al+`)`, id, c.AttributionDays)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		e.Leads++
		day(t).Leads++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities WHERE id IN (`+ao+`)`, id, c.AttributionDays).Scan(&e.Opportunities); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT ordered_at, price_fen - discount_fen FROM vehicle_orders WHERE id IN (`+ar+`)`, id, c.AttributionDays)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t time.Time
		var fen int64
		if err := rows.Scan(&t, &fen); err != nil {
			rows.Close()
			return nil, err
		}
		e.Orders++
		e.RevenueFen += fen
		day(t).Orders++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT joined_at FROM campaign_participations WHERE campaign_id = $1`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		day(t).SignUps++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range days {
		e.Series = append(e.Series, *d)
	}
	sort.Slice(e.Series, func(i, j int) bool { return e.Series[i].Date < e.Series[j].Date })
	if e.Leads > 0 {
		e.CostPerLead = e.CostFen / int64(e.Leads)
	}
	if e.Orders > 0 {
		e.CostPerOrder = e.CostFen / int64(e.Orders)
	}
	if e.CostFen > 0 {
		e.ROI, e.HasROI = float64(e.RevenueFen-e.CostFen)/float64(e.CostFen), true
	}
	if !c.PublishedAt.IsZero() && c.AudienceSize > 0 {
		if e.Uplift, err = s.uplift(ctx, c); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// uplift compares conversion within the attribution window after
// publishing between the target group and the hold-out group (intent to
// treat: every target member counts, reached or not). Converting is placing
// a vehicle order, or for service and charging promotions opening a work
// order.
func (s *Service) uplift(ctx context.Context, c *Campaign) (*Uplift, error) {
	from := c.PublishedAt
	to := from.AddDate(0, 0, c.AttributionDays)
	u := &Uplift{Metric: "窗口内下单购车"}
	conv := `EXISTS (SELECT 1 FROM vehicle_orders o WHERE o.customer_id = a.customer_id AND o.status <> 'cancelled' AND o.ordered_at >= $2 AND o.ordered_at < $3)`
	if serviceKind(c.Kind) {
		u.Metric = "窗口内到店维修保养"
		conv = `EXISTS (SELECT 1 FROM work_orders o WHERE o.customer_id = a.customer_id AND o.status <> 'cancelled' AND o.opened_at >= $2 AND o.opened_at < $3)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.arm, COUNT(*), COALESCE(SUM(CASE WHEN `+conv+` THEN 1 ELSE 0 END), 0)
		FROM campaign_audience a WHERE a.campaign_id = $1 GROUP BY a.arm`, c.ID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var arm string
		var n, k int
		if err := rows.Scan(&arm, &n, &k); err != nil {
			return nil, err
		}
		if arm == "holdout" {
			u.HoldoutN, u.HoldoutConv = n, k
		} else {
			u.TargetN, u.TargetConv = n, k
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if u.TargetN == 0 || u.HoldoutN == 0 {
		u.Insufficient = true
		return u, nil
	}
	u.TargetRate, u.HoldoutRate = float64(u.TargetConv)/float64(u.TargetN), float64(u.HoldoutConv)/float64(u.HoldoutN)
	u.Diff, u.Low, u.High = UpliftCI(u.TargetConv, u.TargetN, u.HoldoutConv, u.HoldoutN)
	u.Incremental = u.Diff * float64(u.TargetN)
	u.Significant = u.Low > 0 || u.High < 0
	u.Insufficient = u.HoldoutN < 30
	return u, nil
}
