package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Market definitions.
const (
	TipMarketDeliv = "交付时间（北京时间）在统计区间内的已交付订单，地区取购车客户登记的省份/城市"
	TipMarketLeads = "创建时间在统计区间内的线索，地区取客户登记的省份/城市"
	TipShareChange = "本期占比 − 上期占比（百分点）；上期为紧挨本期之前、同样天数的区间"
	TipAsk         = "统计区间内新建线索的意向：意向车型、预算（线索预算，缺则取客户预算）、客户偏好的动力类型"
	TipSell        = "统计区间内交付的订单：车型、动力类型、成交价（车价减优惠）"
)

// priceBands are the price bands in fen (lower bound included).
var priceBands = []struct {
	lo    int64
	label string
}{{0, "15 万以下"}, {15000000, "15–20 万"}, {20000000, "20–25 万"}, {25000000, "25–30 万"}, {30000000, "30–40 万"}, {40000000, "40 万及以上"}}

func priceBand(fen int64) string {
	l := priceBands[0].label
	for _, b := range priceBands {
		if fen >= b.lo {
			l = b.label
		}
	}
	return l
}

var powertrainLabels = map[string]string{"BEV": "纯电（BEV）", "PHEV": "插混（PHEV）", "EREV": "增程（EREV）"}

// mix counts by key.
type mix map[string]int

func (m mix) total() int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (s *Service) market(ctx context.Context, sc *scope, r *Report) error {
	days := sc.Hi.Sub(sc.Lo)
	prevLo, prevHi := sc.Lo.Add(-days), sc.Lo
	type dims struct{ province, city, model, powertrain, band mix }
	newDims := func() *dims { return &dims{mix{}, mix{}, mix{}, mix{}, mix{}} }
	deliv := func(lo, hi time.Time) (*dims, error) {
		args := []any{lo, hi}
		where := sc.in("v.store_id", &args)
		rows, err := s.db.QueryContext(ctx, `SELECT c.province, c.city, m.name, m.powertrain, v.price_fen - v.discount_fen
			FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id JOIN vehicle_models m ON m.id = v.model_id
			WHERE v.status = 'delivered' AND v.delivered_at >= $1 AND v.delivered_at < $2 AND `+where, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		d := newDims()
		for rows.Next() {
			var prov, city, model, pt string
			var fen int64
			if err := rows.Scan(&prov, &city, &model, &pt, &fen); err != nil {
				return nil, err
			}
			d.province[dash(prov)]++
			d.city[dash(city)]++
			d.model[model]++
			d.powertrain[pt]++
			d.band[priceBand(fen)]++
		}
		return d, rows.Err()
	}
	cur, err := deliv(sc.Lo, sc.Hi)
	if err != nil {
		return err
	}
	prev, err := deliv(prevLo, prevHi)
	if err != nil {
		return err
	}
	// Leads and what they ask for.
	args := []any{sc.Lo, sc.Hi}
	where := sc.in("l.store_id", &args)
	rows, err := s.db.QueryContext(ctx, `SELECT c.province, c.city, COALESCE(m.name, ''), COALESCE(c.preferred_powertrain, ''), COALESCE(l.budget_fen, c.budget_fen, 0)
		FROM leads l JOIN customers c ON c.id = l.customer_id LEFT JOIN vehicle_models m ON m.id = l.interested_model_id
		WHERE l.created_at >= $1 AND l.created_at < $2 AND `+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	ask := newDims()
	for rows.Next() {
		var prov, city, model, pt string
		var budget int64
		if err := rows.Scan(&prov, &city, &model, &pt, &budget); err != nil {
			return err
		}
		ask.province[dash(prov)]++
		ask.city[dash(city)]++
		if model != "" {
			ask.model[model]++
		}
		if pt != "" {
			ask.powertrain[pt]++
		}
		if budget > 0 {
			ask.band[priceBand(budget)]++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()

	r.Tiles = []Tile{
		{Label: "交付数", Text: thousands(cur.model.total()), Tip: TipMarketDeliv, Link: sc.drill("/sales/reports/rows", "deliveries")},
		{Label: "上期交付数", Text: thousands(prev.model.total()), Tip: TipShareChange},
		{Label: "新建线索", Text: thousands(ask.province.total()), Tip: TipMarketLeads, Link: sc.drill("/sales/reports/rows", "leads")},
	}

	// Provinces: deliveries and leads (a table and a bar chart; see docs for
	// why there is no map).
	pt := &Table{ID: "provinces", Title: "各省份交付与线索", Tip: TipMarketDeliv + "；" + TipMarketLeads,
		Cols: []Column{{Label: "省份"}, {Label: "交付数", Tip: TipMarketDeliv, Num: true}, {Label: "交付占比", Num: true}, {Label: "占比变化（百分点）", Tip: TipShareChange, Num: true},
			{Label: "线索数", Tip: TipMarketLeads, Num: true}, {Label: "线索占比", Num: true}},
		Empty: "统计区间内没有交付或线索"}
	fillMix(pt, cur.province, prev.province, ask.province, 0)
	pt.Chart = mixChart(pt)
	ct := &Table{ID: "cities", Title: "各城市交付与线索（前 20）", Tip: pt.Tip, Cols: append([]Column{{Label: "城市"}}, pt.Cols[1:]...), Empty: pt.Empty}
	fillMix(ct, cur.city, prev.city, ask.city, 20)
	// Models, powertrains, price bands: share now, change, asked vs sold.
	mt := &Table{ID: "models", Title: "车型：成交与意向", Tip: TipSell + "；" + TipAsk,
		Cols: []Column{{Label: "车型"}, {Label: "交付数", Tip: TipSell, Num: true}, {Label: "交付占比", Num: true}, {Label: "占比变化（百分点）", Tip: TipShareChange, Num: true},
			{Label: "意向线索数", Tip: TipAsk, Num: true}, {Label: "意向占比", Num: true}}, Empty: "统计区间内没有交付或线索"}
	fillMix(mt, cur.model, prev.model, ask.model, 0)
	mt.Chart = mixChart(mt)
	ptt := &Table{ID: "powertrains", Title: "动力类型：成交与偏好", Tip: TipSell + "；" + TipAsk, Cols: append([]Column{{Label: "动力类型"}}, mt.Cols[1:]...), Empty: mt.Empty}
	relabel := mix{}
	for k, v := range cur.powertrain {
		relabel[powertrainLabels[k]] += v
	}
	prevPT, askPT := mix{}, mix{}
	for k, v := range prev.powertrain {
		prevPT[powertrainLabels[k]] += v
	}
	for k, v := range ask.powertrain {
		askPT[powertrainLabels[k]] += v
	}
	fillMix(ptt, relabel, prevPT, askPT, 0)
	ptt.Chart = mixChart(ptt)
	bt := &Table{ID: "price_bands", Title: "价格带：成交价与预算", Tip: TipSell + "；" + TipAsk, Cols: append([]Column{{Label: "价格带"}}, mt.Cols[1:]...), Empty: mt.Empty}
	fillMix(bt, cur.band, prev.band, ask.band, 0)
	// Price bands in price order.
	order := map[string]int{}
	for i, b := range priceBands {
		order[b.label] = i
	}
	slices.SortFunc(bt.Rows, func(a, b []Cell) int { return order[a[0].Text] - order[b[0].Text] })
	bt.Chart = mixChart(bt)

	// Deliveries by month and powertrain (seasonality and share over time).
	month := s.db.Dialect.LocalMonth("v.delivered_at")
	args = []any{sc.Lo, sc.Hi}
	where = sc.in("v.store_id", &args)
	mrows, err := s.db.QueryContext(ctx, `SELECT `+month+`, m.powertrain, COUNT(*) FROM vehicle_orders v JOIN vehicle_models m ON m.id = v.model_id
		WHERE v.status = 'delivered' AND v.delivered_at >= $1 AND v.delivered_at < $2 AND `+where+` GROUP BY `+month+`, m.powertrain`, args...)
	if err != nil {
		return err
	}
	defer mrows.Close()
	byMonth := map[string]mix{}
	for mrows.Next() {
		var m, p string
		var n int
		if err := mrows.Scan(&m, &p, &n); err != nil {
			return err
		}
		if byMonth[m] == nil {
			byMonth[m] = mix{}
		}
		byMonth[m][p] += n
	}
	if err := mrows.Err(); err != nil {
		return err
	}
	tt := &Table{ID: "months", Title: "月度交付与动力类型占比", Tip: "按交付时间所在的北京时间自然月",
		Cols:  []Column{{Label: "月份"}, {Label: "交付数", Num: true}, {Label: "纯电占比", Num: true}, {Label: "插混占比", Num: true}, {Label: "增程占比", Num: true}},
		Empty: "统计区间内没有交付"}
	tc := &chart{Type: "bar", Unit: "台", Stack: true, Series: []chartSeries{{Name: "纯电"}, {Name: "插混"}, {Name: "增程"}}}
	some := false
	for _, m := range sc.Months() {
		x := byMonth[m]
		n := x.total()
		some = some || n > 0
		tt.Rows = append(tt.Rows, []Cell{text(m), count(n).link(sc.drill("/sales/reports/rows", "deliveries", "month", m)), ratio(x["BEV"], n), ratio(x["PHEV"], n), ratio(x["EREV"], n)})
		tc.Labels = append(tc.Labels, m)
		for i, p := range []string{"BEV", "PHEV", "EREV"} {
			tc.Series[i].Values = append(tc.Series[i].Values, float64(x[p]))
		}
	}
	if !some {
		tt.Rows = nil
	} else {
		tt.Chart = tc.json()
	}
	r.Tables = append(r.Tables, pt, ct, mt, ptt, bt, tt)
	r.Notes = append(r.Notes, "地图：本系统未内置中国地图底图（没有维护中、可离线打包且符合审图要求的地图数据包），省份分布以表格和柱状图呈现。")
	return nil
}

// fillMix fills a share table: key, current count, share, share change,
// asked count, asked share; most current first; top n (0: all).
func fillMix(t *Table, cur, prev, ask mix, n int) {
	ct, pt, at := cur.total(), prev.total(), ask.total()
	keys := []string{}
	for k := range cur {
		keys = append(keys, k)
	}
	for k := range ask {
		if _, ok := cur[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if cur[a] != cur[b] {
			return cur[b] - cur[a]
		}
		if ask[a] != ask[b] {
			return ask[b] - ask[a]
		}
		return strings.Compare(a, b)
	})
	if n > 0 && len(keys) > n {
		keys = keys[:n]
	}
	for _, k := range keys {
		change := Cell{Text: "—"}
		if ct > 0 && pt > 0 {
			d := (float64(cur[k])/float64(ct) - float64(prev[k])/float64(pt)) * 100
			change = Cell{Text: fmt.Sprintf("%+.1f", d), Value: round1(d)}
		}
		t.Rows = append(t.Rows, []Cell{text(k), count(cur[k]), ratio(cur[k], ct), change, count(ask[k]), ratio(ask[k], at)})
	}
	if ct+at == 0 {
		t.Rows = nil
	}
}

// mixChart draws a share table's two shares side by side.
func mixChart(t *Table) string {
	if len(t.Rows) == 0 {
		return ""
	}
	c := &chart{Type: "bar", Unit: "%", Series: []chartSeries{{Name: "成交占比"}, {Name: "意向占比"}}}
	for _, r := range t.Rows {
		c.Labels = append(c.Labels, r[0].Text)
		a, _ := r[2].Value.(float64)
		b, _ := r[5].Value.(float64)
		c.Series[0].Values = append(c.Series[0].Values, a)
		c.Series[1].Values = append(c.Series[1].Values, b)
	}
	return c.json()
}
