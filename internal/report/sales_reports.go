package report

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// SalesTabs are the tabs of the sales reports (/sales/reports), in order.
var SalesTabs = []Option{{"performance", "销售业绩"}, {"targets", "目标达成"}, {"funnel", "转化漏斗"}, {"sources", "线索来源"},
	{"campaigns", "活动 ROI"}, {"market", "市场趋势"}}

// TargetGroupings are the groupings of the targets report.
var TargetGroupings = []Option{{"store", "门店"}, {"consultant", "销售顾问"}}

// Groupings of the sales performance report.
var SalesGroupings = []Option{{"store", "门店"}, {"consultant", "销售顾问"}, {"region", "大区"}, {"model", "车型"}, {"month", "月份"}}

// Metric definitions, shown as tooltips and in docs/系统设计.md.
const (
	TipOrders     = "下单时间（北京时间）在统计区间内、未取消的整车订单数"
	TipDeliveries = "交付时间（北京时间）在统计区间内的已交付订单数"
	TipRevenue    = "统计区间内交付订单的成交额之和（车价减优惠），按交付时间计入"
	TipAvgPrice   = "成交额 ÷ 交付数"
	TipShare      = "该行交付数占全部交付数的比例"
)

// SalesReport returns the sales report tab f.Tab (SalesTabs; "" is the
// first) for actor: sales users see their store, admins every store or
// the chosen store or region. Other roles are Forbidden; bad dates, store or
// region are Invalid naming the field.
func (s *Service) SalesReport(ctx context.Context, actor *identity.User, f Filter) (*Report, error) {
	if f.Tab == "" {
		f.Tab = SalesTabs[0].Value
	}
	if !slices.ContainsFunc(SalesTabs, func(o Option) bool { return o.Value == f.Tab }) {
		return nil, apperr.Field("tab", "没有这个报表")
	}
	sc, err := s.loadScope(ctx, actor, f, identity.RoleSales, identity.RoleAdmin)
	if err != nil {
		return nil, err
	}
	r := &Report{Period: sc.period("store")}
	switch f.Tab {
	case "performance":
		err = s.performance(ctx, sc, r)
	case "targets":
		err = s.targetsReport(ctx, sc, r)
	case "funnel":
		err = s.funnel(ctx, sc, r)
	case "sources":
		err = s.sources(ctx, sc, r)
	case "campaigns":
		err = s.campaignROI(ctx, sc, r)
	case "market":
		err = s.market(ctx, sc, r)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// drill is the drill-down address of set (see Rows) under sc with extra
// parameters (name, value pairs).
func (sc *scope) drill(base, set string, kv ...string) string {
	q := url.Values{}
	q.Set("set", set)
	q.Set("tab", sc.Tab)
	q.Set("from", sc.Filter.From)
	q.Set("to", sc.Filter.To)
	if sc.StoreID != 0 && sc.actor.Is(identity.RoleAdmin) {
		q.Set("store_id", strconv.FormatInt(sc.StoreID, 10))
	}
	if sc.Region != "" {
		q.Set("region", sc.Region)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return base + "?" + q.Encode()
}

// names returns the names of ids from table (users: display_name;
// vehicle_models, campaigns: name).
func (s *Service) names(ctx context.Context, table string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	col := "name"
	if table == "users" {
		col = "display_name"
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		args := make([]any, len(batch))
		ph := make([]string, len(batch))
		for i, id := range batch {
			args[i], ph[i] = id, "$"+strconv.Itoa(i+1)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, `+col+` FROM `+table+` WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// perfRow is one row of the performance table.
type perfRow struct {
	key        string
	label      string
	orders     int
	deliveries int
	revenue    int64
}

func (s *Service) performance(ctx context.Context, sc *scope, r *Report) error {
	by := sc.By
	if !slices.ContainsFunc(SalesGroupings, func(o Option) bool { return o.Value == by }) {
		by = "store"
	}
	rows := map[string]*perfRow{}
	get := func(k string) *perfRow {
		if rows[k] == nil {
			rows[k] = &perfRow{key: k}
		}
		return rows[k]
	}
	scan := func(q string, args []any, fn func(p *perfRow, n int, fen int64)) error {
		res, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var k string
			var n int
			var fen int64
			if err := res.Scan(&k, &n, &fen); err != nil {
				return err
			}
			fn(get(k), n, fen)
		}
		return res.Err()
	}
	if by == "model" {
		args := []any{sc.Lo, sc.Hi}
		where := sc.in("v.store_id", &args)
		if err := scan(`SELECT CAST(v.model_id AS TEXT), COUNT(*), 0 FROM vehicle_orders v
			WHERE v.ordered_at >= $1 AND v.ordered_at < $2 AND v.status <> 'cancelled' AND `+where+` GROUP BY v.model_id`, args,
			func(p *perfRow, n int, _ int64) { p.orders += n }); err != nil {
			return err
		}
		if err := scan(`SELECT CAST(v.model_id AS TEXT), COUNT(*), COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM vehicle_orders v
			WHERE v.delivered_at >= $1 AND v.delivered_at < $2 AND v.status = 'delivered' AND `+where+` GROUP BY v.model_id`, args,
			func(p *perfRow, n int, fen int64) { p.deliveries += n; p.revenue += fen }); err != nil {
			return err
		}
	} else {
		// By store, region, consultant or month from the month rollup
		// (salesMonths).
		months, err := s.salesMonths(ctx, sc)
		if err != nil {
			return err
		}
		for k, a := range months {
			key := strconv.FormatInt(k.store, 10)
			switch by {
			case "consultant":
				key = strconv.FormatInt(k.user, 10)
			case "month":
				key = k.month
			}
			p := get(key)
			p.orders += a.orders
			p.deliveries += a.deliveries
			p.revenue += a.revenue
		}
	}
	// Labels, and regions merged from their stores.
	var ids []int64
	for k := range rows {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil && id != 0 {
			ids = append(ids, id)
		}
	}
	var names map[int64]string
	var err error
	switch by {
	case "consultant":
		names, err = s.names(ctx, "users", ids)
	case "model":
		names, err = s.names(ctx, "vehicle_models", ids)
	}
	if err != nil {
		return err
	}
	if by == "region" {
		merged := map[string]*perfRow{}
		for k, p := range rows {
			id, _ := strconv.ParseInt(k, 10, 64)
			reg := "其他"
			if x := sc.sites[id]; x != nil {
				reg = RegionOf(x.Province)
			}
			m := merged[reg]
			if m == nil {
				m = &perfRow{key: reg, label: reg}
				merged[reg] = m
			}
			m.orders += p.orders
			m.deliveries += p.deliveries
			m.revenue += p.revenue
		}
		rows = merged
	}
	var list []*perfRow
	for k, p := range rows {
		id, _ := strconv.ParseInt(k, 10, 64)
		switch by {
		case "store":
			p.label = sc.siteName(id)
		case "consultant":
			p.label = names[id]
			if id == 0 {
				p.label = "未分配顾问"
			} else if p.label == "" {
				p.label = "#" + k
			}
		case "model":
			p.label = names[id]
		case "month":
			p.label = k
		}
		list = append(list, p)
	}
	if by == "month" {
		// Every month of the period, in order, also those without sales.
		for _, m := range sc.Months() {
			if rows[m] == nil {
				list = append(list, &perfRow{key: m, label: m})
			}
		}
		slices.SortFunc(list, func(a, b *perfRow) int { return strings.Compare(a.key, b.key) })
	} else {
		slices.SortFunc(list, func(a, b *perfRow) int {
			if a.revenue != b.revenue {
				if a.revenue > b.revenue {
					return -1
				}
				return 1
			}
			if a.orders != b.orders {
				return b.orders - a.orders
			}
			return strings.Compare(a.label, b.label)
		})
	}
	var tot perfRow
	for _, p := range list {
		tot.orders += p.orders
		tot.deliveries += p.deliveries
		tot.revenue += p.revenue
	}
	grouping := optionLabel(SalesGroupings, by)
	t := &Table{ID: "performance", Title: "按" + grouping + "的订单、交付与成交额", Tip: "订单按下单时间、交付与成交额按交付时间计入统计区间（北京时间）",
		Cols: []Column{{Label: grouping}, {Label: "订单数", Tip: TipOrders, Num: true}, {Label: "交付数", Tip: TipDeliveries, Num: true},
			{Label: "成交额", Tip: TipRevenue, Num: true}, {Label: "平均成交价", Tip: TipAvgPrice, Num: true}, {Label: "交付占比", Tip: TipShare, Num: true}},
		Empty: "统计区间内没有订单或交付"}
	c := &chart{Type: "bar", Unit: "台", Series: []chartSeries{{Name: "订单数"}, {Name: "交付数"}}}
	for _, p := range list {
		filter := drillFilter(by, p.key)
		avg := Cell{Text: "—"}
		if p.deliveries > 0 {
			avg = money(p.revenue / int64(p.deliveries))
		}
		t.Rows = append(t.Rows, []Cell{text(p.label), count(p.orders).link(sc.drill("/sales/reports/rows", "orders", filter...)),
			count(p.deliveries).link(sc.drill("/sales/reports/rows", "deliveries", filter...)), money(p.revenue), avg, ratio(p.deliveries, tot.deliveries)})
		c.Labels = append(c.Labels, p.label)
		c.Series[0].Values = append(c.Series[0].Values, float64(p.orders))
		c.Series[1].Values = append(c.Series[1].Values, float64(p.deliveries))
		c.Links = append(c.Links, sc.drill("/sales/reports/rows", "deliveries", filter...))
	}
	if tot.orders+tot.deliveries == 0 {
		t.Rows = nil
	} else {
		t.Chart = c.json()
		avg := Cell{Text: "—"}
		if tot.deliveries > 0 {
			avg = money(tot.revenue / int64(tot.deliveries))
		}
		t.Foot = []Cell{text("合计"), count(tot.orders).link(sc.drill("/sales/reports/rows", "orders")), count(tot.deliveries).link(sc.drill("/sales/reports/rows", "deliveries")),
			money(tot.revenue), avg, ratio(tot.deliveries, tot.deliveries)}
	}
	r.Tiles = []Tile{
		{Label: "订单数", Text: thousands(tot.orders), Tip: TipOrders, Link: sc.drill("/sales/reports/rows", "orders")},
		{Label: "交付数", Text: thousands(tot.deliveries), Tip: TipDeliveries, Link: sc.drill("/sales/reports/rows", "deliveries")},
		{Label: "成交额", Text: yuanText(tot.revenue), Tip: TipRevenue},
	}
	r.Tables = append(r.Tables, t)
	return nil
}

// drillFilter is the drill-down parameter of a performance row.
func drillFilter(by, key string) []string {
	switch by {
	case "consultant":
		return []string{"user_id", key}
	case "model":
		return []string{"model_id", key}
	case "month":
		return []string{"month", key}
	case "region":
		return []string{"region", key}
	}
	return []string{"store_id", key}
}

func optionLabel(list []Option, v string) string {
	for _, o := range list {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func thousands(n int) string { return count(n).Text }

// Funnel definitions.
const (
	TipFunnelLeads = "创建时间（北京时间）在统计区间内的线索（同一客户多条线索分别计算）"
	TipFunnelTD    = "上述线索中已完成试驾的：线索标记了试驾，或有关联该线索、状态为已完成的试驾记录"
	TipFunnelOpp   = "上述线索中已转为商机的（有关联该线索的商机）"
	TipFunnelOrder = "上述线索中已下单的（其商机有未取消的整车订单，下单时间不限）"
	TipFunnelDeliv = "上述线索中已交付的（其商机的整车订单已交付）"
	TipStageTime   = "从上一阶段到该阶段的平均天数：只计两个时间都有的线索（试驾取最早一次完成的试驾预约时间）"
	TipStepRate    = "到达上一阶段的线索中，也到达该阶段的比例（各阶段可不按顺序发生，例如先建商机后试驾，故按“两阶段都到达”计算）"
	TipOverallRate = "该阶段数 ÷ 线索数"
)

// funnelStages are the funnel's steps.
var funnelStages = []struct{ key, label, tip string }{
	{"lead", "线索", TipFunnelLeads}, {"test_drive", "试驾", TipFunnelTD}, {"opportunity", "商机", TipFunnelOpp},
	{"order", "订单", TipFunnelOrder}, {"delivered", "交付", TipFunnelDeliv},
}

// leadDays are the sums of the funnel rollup (report_lead_days, migration
// 00028) over one group: leads; those that reached each later stage
// (reached[0] test drive .. reached[3] delivery); those that reached a
// stage and the one before it (both); those with a time for the stage
// (timed) and the milliseconds from the previous reached stage (ms). (The
// rollup's orders and revenue are read by the campaign ROI.)
type leadDays struct {
	leads   int
	reached [4]int
	both    [4]int
	timed   [4]int
	ms      [4]int64
}

// leadDaySums are the SQL sums of leadDays, in its field order.
const leadDaySums = `CAST(SUM(leads) AS BIGINT), CAST(SUM(td) AS BIGINT), CAST(SUM(opp) AS BIGINT), CAST(SUM(ord) AS BIGINT), CAST(SUM(deliv) AS BIGINT),
	CAST(SUM(opp_both) AS BIGINT), CAST(SUM(ord_both) AS BIGINT), CAST(SUM(deliv_both) AS BIGINT),
	CAST(SUM(td_n) AS BIGINT), CAST(SUM(td_ms) AS BIGINT), CAST(SUM(opp_ms) AS BIGINT), CAST(SUM(ord_ms) AS BIGINT), CAST(SUM(deliv_ms) AS BIGINT)`

// leadDayRows streams the funnel rollup of the leads created in sc's
// period and stores, summed by the SQL expressions keys (columns of the
// rollup; none: one row): fn gets the key values and the sums. Every store
// reads report_lead_days_all (leads with no store included, as the lead
// list counts them); a store or region sums its stores' rows of
// report_lead_days.
func (s *Service) leadDayRows(ctx context.Context, sc *scope, keys []string, fn func(key []string, d *leadDays)) error {
	args := []any{sc.Filter.From, sc.Filter.To}
	table, where := "report_lead_days_all", "1 = 1"
	if sc.Sites != nil {
		table, where = "report_lead_days", sc.in("store_id", &args)
	}
	sel, group := "", ""
	for _, k := range keys {
		sel += "CAST(" + k + " AS TEXT), "
	}
	if len(keys) > 0 {
		group = " GROUP BY " + strings.Join(keys, ", ")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sel+leadDaySums+` FROM `+table+`
		WHERE day >= $1 AND day <= $2 AND `+where+group+` HAVING SUM(leads) > 0`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		key := make([]string, len(keys))
		var d leadDays
		dest := make([]any, 0, len(keys)+13)
		for i := range key {
			dest = append(dest, &key[i])
		}
		dest = append(dest, &d.leads, &d.reached[0], &d.reached[1], &d.reached[2], &d.reached[3], &d.both[1], &d.both[2], &d.both[3],
			&d.timed[0], &d.ms[0], &d.ms[1], &d.ms[2], &d.ms[3])
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		// A test drive follows the lead itself, reached by every lead; the
		// later stages have a time whenever they are reached.
		d.both[0] = d.reached[0]
		d.timed[1], d.timed[2], d.timed[3] = d.reached[1], d.reached[2], d.reached[3]
		fn(key, &d)
	}
	return rows.Err()
}

func (s *Service) funnel(ctx context.Context, sc *scope, r *Report) error {
	var n, both [5]int
	var days [5]float64
	var timed [5]int
	if err := s.leadDayRows(ctx, sc, nil, func(_ []string, d *leadDays) {
		n[0] += d.leads
		for i := range 4 {
			n[i+1] += d.reached[i]
			both[i+1] += d.both[i]
			timed[i+1] += d.timed[i]
			days[i+1] += float64(d.ms[i]) / 86400000
		}
	}); err != nil {
		return err
	}
	t := &Table{ID: "funnel", Title: "线索 → 试驾 → 商机 → 订单 → 交付", Tip: "统计区间内新建的线索走到了哪一步（同期群口径）",
		Cols: []Column{{Label: "阶段"}, {Label: "数量", Num: true}, {Label: "阶段转化率", Tip: TipStepRate, Num: true},
			{Label: "总转化率", Tip: TipOverallRate, Num: true}, {Label: "平均用时（天）", Tip: TipStageTime, Num: true}},
		Empty: "统计区间内没有新建线索"}
	c := &chart{Type: "bar", Name: "数量", Unit: "条"}
	for i, st := range funnelStages {
		step := Cell{Text: "—"}
		took := Cell{Text: "—"}
		if i > 0 {
			step = ratio(both[i], n[i-1])
			took = decimal(days[i]/float64(max(timed[i], 1)), "", timed[i] > 0)
		}
		t.Rows = append(t.Rows, []Cell{{Text: st.label, Value: st.label}, count(n[i]).link(sc.drill("/sales/reports/rows", "leads", "stage", st.key)), step, ratio(n[i], n[0]), took})
		c.Labels = append(c.Labels, st.label)
		c.Values = append(c.Values, float64(n[i]))
		c.Links = append(c.Links, sc.drill("/sales/reports/rows", "leads", "stage", st.key))
	}
	if n[0] == 0 {
		t.Rows = nil
	} else {
		t.Chart = c.json()
	}
	t.Note = "阶段定义：线索 — " + TipFunnelLeads + "；试驾 — " + TipFunnelTD + "；商机 — " + TipFunnelOpp + "；订单 — " + TipFunnelOrder + "；交付 — " + TipFunnelDeliv + "。"
	r.Tiles = []Tile{
		{Label: "新建线索", Text: thousands(n[0]), Tip: TipFunnelLeads, Link: sc.drill("/sales/reports/rows", "leads")},
		{Label: "线索 → 订单", Text: ratio(n[3], n[0]).Text, Tip: "已下单线索 ÷ 新建线索"},
		{Label: "线索 → 交付", Text: ratio(n[4], n[0]).Text, Tip: "已交付线索 ÷ 新建线索"},
	}
	r.Tables = append(r.Tables, t)
	return nil
}

// Lead-source definitions.
const (
	TipSourceCost  = "来源为营销活动的线索分摊的活动费用：每个活动的费用按其全部线索平均分摊到每条线索，再按来源汇总"
	TipCostPerLead = "分摊费用 ÷ 线索数（只计有活动费用的来源）"
	TipCostPerOrd  = "分摊费用 ÷ 已下单线索数"
)

func (s *Service) sources(ctx context.Context, sc *scope, r *Report) error {
	type src struct {
		leads, td, opp, orders, deliv int
		perCampaign                   map[int64]int
	}
	by := map[string]*src{}
	if err := s.leadDayRows(ctx, sc, []string{"source", "campaign_id"}, func(key []string, d *leadDays) {
		x := by[key[0]]
		if x == nil {
			x = &src{perCampaign: map[int64]int{}}
			by[key[0]] = x
		}
		x.leads += d.leads
		x.td += d.reached[0]
		x.opp += d.reached[1]
		x.orders += d.reached[2]
		x.deliv += d.reached[3]
		if id, _ := strconv.ParseInt(key[1], 10, 64); id != 0 {
			x.perCampaign[id] += d.leads
		}
	}); err != nil {
		return err
	}
	// Campaign cost per lead: a campaign's cost over all its leads.
	costPerLead := map[int64]float64{}
	var cids []int64
	for _, x := range by {
		for id := range x.perCampaign {
			if !slices.Contains(cids, id) {
				cids = append(cids, id)
			}
		}
	}
	for len(cids) > 0 {
		n := min(len(cids), 500)
		batch := cids[:n]
		cids = cids[n:]
		args := make([]any, len(batch))
		ph := make([]string, len(batch))
		for i, id := range batch {
			args[i], ph[i] = id, "$"+strconv.Itoa(i+1)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.cost_fen, (SELECT COALESCE(SUM(r.leads), 0) FROM report_lead_days_all r WHERE r.campaign_id = c.id)
			FROM campaigns c WHERE c.id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, cost int64
			var leads int
			if err := rows.Scan(&id, &cost, &leads); err != nil {
				rows.Close()
				return err
			}
			if leads > 0 {
				costPerLead[id] = float64(cost) / float64(leads)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	t := &Table{ID: "sources", Title: "线索来源效果", Tip: "统计区间内新建线索按来源：数量、各阶段转化与活动费用",
		Cols: []Column{{Label: "来源"}, {Label: "线索数", Tip: TipFunnelLeads, Num: true}, {Label: "试驾率", Tip: "已试驾线索 ÷ 线索数", Num: true},
			{Label: "商机转化率", Tip: "已转商机线索 ÷ 线索数", Num: true}, {Label: "已下单", Tip: TipFunnelOrder, Num: true},
			{Label: "下单转化率", Tip: "已下单线索 ÷ 线索数", Num: true}, {Label: "分摊活动费用", Tip: TipSourceCost, Num: true},
			{Label: "单线索成本", Tip: TipCostPerLead, Num: true}, {Label: "单订单成本", Tip: TipCostPerOrd, Num: true}},
		Empty: "统计区间内没有新建线索"}
	c := &chart{Type: "bar", Unit: "条", Series: []chartSeries{{Name: "线索数"}, {Name: "已下单"}}}
	for _, code := range sales.Sources {
		x := by[code.Code]
		if x == nil {
			continue
		}
		var cost float64
		for id, n := range x.perCampaign {
			cost += costPerLead[id] * float64(n)
		}
		fen := int64(cost + 0.5)
		perLead, perOrder := Cell{Text: "—"}, Cell{Text: "—"}
		costCell := Cell{Text: "—"}
		if fen > 0 {
			costCell = money(fen)
			perLead = money(fen / int64(x.leads))
			if x.orders > 0 {
				perOrder = money(fen / int64(x.orders))
			}
		}
		link := sc.drill("/sales/reports/rows", "leads", "source", code.Code)
		t.Rows = append(t.Rows, []Cell{text(code.Label), count(x.leads).link(link), ratio(x.td, x.leads), ratio(x.opp, x.leads),
			count(x.orders).link(sc.drill("/sales/reports/rows", "leads", "source", code.Code, "stage", "order")), ratio(x.orders, x.leads), costCell, perLead, perOrder})
		c.Labels = append(c.Labels, code.Label)
		c.Series[0].Values = append(c.Series[0].Values, float64(x.leads))
		c.Series[1].Values = append(c.Series[1].Values, float64(x.orders))
		c.Links = append(c.Links, link)
	}
	if len(t.Rows) > 0 {
		t.Chart = c.json()
	}
	r.Tables = append(r.Tables, t)
	return nil
}

// Campaign ROI definitions.
const (
	TipCampaignLeads   = "来源活动为该活动的线索数（不限创建时间）"
	TipCampaignOrders  = "上述线索转化的未取消整车订单数"
	TipCampaignRevenue = "上述订单中已交付订单的成交额（车价减优惠）"
	TipCampaignCost    = "活动登记的费用"
	TipROI             = "（成交额 − 费用）÷ 费用"
)

func (s *Service) campaignROI(ctx context.Context, sc *scope, r *Report) error {
	args := []any{sc.Lo, sc.Hi}
	where := "1 = 1"
	if sc.Sites != nil {
		// A store sees its own campaigns and the national ones.
		where = "(c.store_id IS NULL OR " + sc.in("c.store_id", &args) + ")"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.name, c.kind, c.status, c.cost_fen,
		COALESCE(r.leads, 0), COALESCE(r.orders, 0), COALESCE(r.fen, 0)
		FROM campaigns c LEFT JOIN (SELECT campaign_id, CAST(SUM(leads) AS BIGINT) AS leads, CAST(SUM(orders) AS BIGINT) AS orders, CAST(SUM(revenue_fen) AS BIGINT) AS fen
			FROM report_lead_days_all WHERE campaign_id IN (SELECT k.id FROM campaigns k WHERE k.starts_at >= $1 AND k.starts_at < $2) GROUP BY campaign_id) r ON r.campaign_id = c.id
		WHERE c.starts_at >= $1 AND c.starts_at < $2 AND c.status <> 'draft' AND `+where+` ORDER BY c.starts_at, c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	t := &Table{ID: "campaigns", Title: "营销活动投入产出", Tip: "开始时间在统计区间内的活动（不含草稿）；按线索来源活动归因",
		Cols: []Column{{Label: "活动"}, {Label: "线索数", Tip: TipCampaignLeads, Num: true}, {Label: "订单数", Tip: TipCampaignOrders, Num: true},
			{Label: "成交额", Tip: TipCampaignRevenue, Num: true}, {Label: "费用", Tip: TipCampaignCost, Num: true},
			{Label: "单订单成本", Tip: "费用 ÷ 订单数", Num: true}, {Label: "ROI", Tip: TipROI, Num: true}},
		Empty: "统计区间内没有开始的活动",
		Note:  "此处按线索的来源活动归因；活动详情页另有按触达归因的效果分析与对照组提升。"}
	c := &chart{Type: "bar", Unit: "元", Series: []chartSeries{{Name: "费用"}, {Name: "成交额"}}}
	var totLeads, totOrders int
	var totRev, totCost int64
	for rows.Next() {
		var id, cost, rev int64
		var name, kind, status string
		var leads, orders int
		if err := rows.Scan(&id, &name, &kind, &status, &cost, &leads, &orders, &rev); err != nil {
			return err
		}
		roi := Cell{Text: "—"}
		if cost > 0 {
			roi = decimal(float64(rev-cost)*100/float64(cost), "%", true)
		}
		per := Cell{Text: "—"}
		if orders > 0 && cost > 0 {
			per = money(cost / int64(orders))
		}
		link := "/sales/campaigns/" + strconv.FormatInt(id, 10)
		t.Rows = append(t.Rows, []Cell{text(name).link(link), count(leads).link(sc.drillAll("/sales/reports/rows", "leads", "campaign_id", strconv.FormatInt(id, 10))),
			count(orders).link(sc.drillAll("/sales/reports/rows", "leads", "campaign_id", strconv.FormatInt(id, 10), "stage", "order")), money(rev), money(cost), per, roi})
		c.Labels = append(c.Labels, name)
		c.Series[0].Values = append(c.Series[0].Values, float64(cost)/100)
		c.Series[1].Values = append(c.Series[1].Values, float64(rev)/100)
		c.Links = append(c.Links, link)
		totLeads += leads
		totOrders += orders
		totRev += rev
		totCost += cost
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(t.Rows) > 0 {
		t.Chart = c.json()
		roi := Cell{Text: "—"}
		if totCost > 0 {
			roi = decimal(float64(totRev-totCost)*100/float64(totCost), "%", true)
		}
		per := Cell{Text: "—"}
		if totOrders > 0 && totCost > 0 {
			per = money(totCost / int64(totOrders))
		}
		t.Foot = []Cell{text("合计"), count(totLeads), count(totOrders), money(totRev), money(totCost), per, roi}
	}
	r.Tiles = []Tile{{Label: "活动费用", Text: yuanText(totCost), Tip: TipCampaignCost}, {Label: "带来成交额", Text: yuanText(totRev), Tip: TipCampaignRevenue},
		{Label: "综合 ROI", Text: func() string {
			if totCost == 0 {
				return "—"
			}
			return decimal(float64(totRev-totCost)*100/float64(totCost), "%", true).Text
		}(), Tip: TipROI}}
	r.Tables = append(r.Tables, t)
	return nil
}

// drillAll is drill without the period: a campaign's leads whenever they
// came.
func (sc *scope) drillAll(base, set string, kv ...string) string {
	u := sc.drill(base, set, kv...)
	q, _ := url.ParseQuery(u[strings.IndexByte(u, '?')+1:])
	q.Set("all", "1")
	return base + "?" + q.Encode()
}
