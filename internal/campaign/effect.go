package campaign

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
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
	// ComputedAt is when the figures were computed (they are cached, see
	// EffectMaxAge); costs and sizes are always the campaign's current ones.
	ComputedAt time.Time `json:"computed_at"`
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
	att, err := s.attribute(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, t := range att.leads {
		e.Leads++
		day(t).Leads++
	}
	e.Opportunities = att.opps
	for _, o := range att.orders {
		e.Orders++
		e.RevenueFen += o.fen
		day(o.at).Orders++
	}
	var rows *sql.Rows
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

// attribution is what a campaign's attribution found.
type attribution struct {
	leads  []time.Time // creation times of the attributed leads
	opps   int
	orders []attributedOrder
}

type attributedOrder struct {
	at  time.Time
	fen int64
}

// touchUnion selects (customer_id, at) of every touch of campaign $1.
const touchUnion = `SELECT customer_id, notified_at AS at FROM campaign_audience WHERE campaign_id = $1 AND notified_at IS NOT NULL
	UNION ALL SELECT customer_id, joined_at FROM campaign_participations WHERE campaign_id = $1
	UNION ALL SELECT customer_id, created_at FROM campaign_referrals WHERE campaign_id = $1`

// attribute applies AttributionRule to campaign c. It reads in single
// passes — the campaign's touches; the leads, opportunities and orders of
// the touched customers (and of the campaign's own leads) since the first
// touch; the other campaigns' touches of the customers with such an event,
// by batches of ids — and decides windows and last touch in Go, so that no
// subquery runs once per event.
func (s *Service) attribute(ctx context.Context, c *Campaign) (*attribution, error) {
	id := c.ID
	window := time.Duration(c.AttributionDays) * 24 * time.Hour
	first := map[int64]time.Time{}
	var since time.Time
	err := s.each(ctx, `SELECT customer_id, at FROM (`+touchUnion+`) x`, []any{id}, func(r *sql.Rows) error {
		var cust int64
		var at time.Time
		if err := r.Scan(&cust, &at); err != nil {
			return err
		}
		at = at.UTC()
		if f, ok := first[cust]; !ok || at.Before(f) {
			first[cust] = at
		}
		if since.IsZero() || at.Before(since) {
			since = at
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if since.IsZero() {
		since = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // no touch: only the campaign's own leads count
	}
	// The customers: touched, or with a lead of the campaign.
	custs := `SELECT customer_id FROM (` + touchUnion + `) x UNION SELECT customer_id FROM leads WHERE campaign_id = $1`
	type event struct {
		id, cust, link int64 // link: the lead's campaign, the opportunity's lead, the order's opportunity
		at             time.Time
		fen            int64
	}
	read := func(q string, withFen bool) ([]event, error) {
		var out []event
		err := s.each(ctx, q, []any{id, since}, func(r *sql.Rows) error {
			var e event
			dest := []any{&e.id, &e.cust, &e.link, &e.at}
			if withFen {
				dest = append(dest, &e.fen)
			}
			if err := r.Scan(dest...); err != nil {
				return err
			}
			e.at = e.at.UTC()
			out = append(out, e)
			return nil
		})
		return out, err
	}
	leads, err := read(`SELECT id, customer_id, COALESCE(campaign_id, 0), created_at FROM leads
		WHERE customer_id IN (`+custs+`) AND (created_at >= $2 OR campaign_id = $1)`, false)
	if err != nil {
		return nil, err
	}
	opps, err := read(`SELECT id, customer_id, COALESCE(lead_id, 0), created_at FROM opportunities
		WHERE customer_id IN (`+custs+`) AND (created_at >= $2 OR lead_id IN (SELECT id FROM leads WHERE campaign_id = $1))`, false)
	if err != nil {
		return nil, err
	}
	orders, err := read(`SELECT id, customer_id, COALESCE(opportunity_id, 0), ordered_at, price_fen - discount_fen FROM vehicle_orders
		WHERE status <> 'cancelled' AND customer_id IN (`+custs+`)
		AND (ordered_at >= $2 OR opportunity_id IN (SELECT o.id FROM opportunities o JOIN leads l ON l.id = o.lead_id WHERE l.campaign_id = $1))`, true)
	if err != nil {
		return nil, err
	}
	// Other campaigns' touches, only of customers with an event after
	// their touch (the last-touch rule needs nothing else).
	need := map[int64]bool{}
	for _, list := range [][]event{leads, opps, orders} {
		for _, e := range list {
			if t, ok := first[e.cust]; ok && !e.at.Before(t) && e.at.Sub(t) <= window {
				need[e.cust] = true
			}
		}
	}
	others := map[int64][]time.Time{}
	ids := make([]int64, 0, len(need))
	for cust := range need {
		ids = append(ids, cust)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		args := []any{id, since}
		ph := make([]string, len(batch))
		for i, cust := range batch {
			args = append(args, cust)
			ph[i] = "$" + strconv.Itoa(i+3)
		}
		in := strings.Join(ph, ", ")
		err := s.each(ctx, `SELECT customer_id, notified_at FROM campaign_audience WHERE customer_id IN (`+in+`) AND campaign_id <> $1 AND notified_at > $2
			UNION ALL SELECT customer_id, joined_at FROM campaign_participations WHERE customer_id IN (`+in+`) AND campaign_id <> $1 AND joined_at > $2
			UNION ALL SELECT customer_id, created_at FROM campaign_referrals WHERE customer_id IN (`+in+`) AND campaign_id <> $1 AND created_at > $2`, args,
			func(r *sql.Rows) error {
				var cust int64
				var at time.Time
				if err := r.Scan(&cust, &at); err != nil {
					return err
				}
				others[cust] = append(others[cust], at.UTC())
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	// inWindow reports whether an event of customer at ev counts by its
	// touch: within the window after this campaign's first touch and no
	// other campaign's touch in between.
	inWindow := func(cust int64, ev time.Time) bool {
		t, ok := first[cust]
		if !ok || ev.Before(t) || ev.Sub(t) > window {
			return false
		}
		for _, o := range others[cust] {
			if o.After(t) && !o.After(ev) {
				return false
			}
		}
		return true
	}
	out := &attribution{}
	mine := map[int64]bool{}
	for _, e := range leads {
		if e.link == id || inWindow(e.cust, e.at) {
			mine[e.id] = true
			out.leads = append(out.leads, e.at)
		}
	}
	won := map[int64]bool{}
	for _, e := range opps {
		if mine[e.link] || inWindow(e.cust, e.at) {
			won[e.id] = true
			out.opps++
		}
	}
	for _, e := range orders {
		if won[e.link] || inWindow(e.cust, e.at) {
			out.orders = append(out.orders, attributedOrder{at: e.at, fen: e.fen})
		}
	}
	return out, nil
}

// each runs query and calls fn for every row.
func (s *Service) each(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
