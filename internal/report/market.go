package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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

// priceBands are the labels of the price bands (lower bounds 0, 15, 20, 25,
// 30 and 40 万 yuan, included); migration 00028 stores the index of a
// price's or budget's band in report_market_days and must keep these bounds.
var priceBands = []string{"15 万以下", "15–20 万", "20–25 万", "25–30 万", "30–40 万", "40 万及以上"}

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

// marketModel is a vehicle model's name and powertrain.
type marketModel struct{ name, powertrain string }

// marketRows streams the market rollup (report_market_days, migration
// 00028) of sc's stores for the local days from..to (YYYY-MM-DD, both
// included) and the kinds given: fn gets the kind, the key and the count,
// and the month when byMonth.
func (s *Service) marketRows(ctx context.Context, sc *scope, from, to string, kinds []string, byMonth bool, fn func(kind, key, month string, n int)) error {
	args := []any{from, to}
	table, where := "report_market_days_all", "1 = 1"
	if sc.Sites != nil {
		table, where = "report_market_days", sc.in("store_id", &args)
	}
	ph := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, k)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	month, group := "''", ""
	if byMonth {
		month, group = "substr(day, 1, 7)", ", substr(day, 1, 7)"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, key, `+month+`, CAST(SUM(n) AS BIGINT) FROM `+table+`
		WHERE day >= $1 AND day <= $2 AND `+where+` AND kind IN (`+strings.Join(ph, ", ")+`) GROUP BY kind, key`+group+` HAVING SUM(n) <> 0`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, key, m string
		var n int
		if err := rows.Scan(&kind, &key, &m, &n); err != nil {
			return err
		}
		fn(kind, key, m, n)
	}
	return rows.Err()
}

func (s *Service) market(ctx context.Context, sc *scope, r *Report) error {
	ndays := int(sc.Hi.Sub(sc.Lo).Hours()/24 + 0.5)
	prevFrom, prevTo := sc.From.AddDate(0, 0, -ndays), sc.From.AddDate(0, 0, -1)
	models := map[string]marketModel{}
	mrows, err := s.db.QueryContext(ctx, `SELECT CAST(id AS TEXT), name, powertrain FROM vehicle_models`)
	if err != nil {
		return err
	}
	for mrows.Next() {
		var id string
		var m marketModel
		if err := mrows.Scan(&id, &m.name, &m.powertrain); err != nil {
			mrows.Close()
			return err
		}
		models[id] = m
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return err
	}
	type dims struct{ province, city, model, powertrain, band mix }
	newDims := func() *dims { return &dims{mix{}, mix{}, mix{}, mix{}, mix{}} }
	// band is the label of a price band index ("" for none).
	band := func(key string) string {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(priceBands) {
			return ""
		}
		return priceBands[i]
	}
	// Deliveries (the buyer's region, the model and its powertrain, the
	// price band), by month too for the current period.
	byMonth := map[string]mix{}
	deliv := func(from, to time.Time, months bool) (*dims, error) {
		d := newDims()
		err := s.marketRows(ctx, sc, from.Format("2006-01-02"), to.Format("2006-01-02"), []string{"deliv_province", "deliv_city", "deliv_model", "deliv_band"}, months,
			func(kind, key, month string, n int) {
				switch kind {
				case "deliv_province":
					d.province[dash(key)] += n
				case "deliv_city":
					d.city[dash(key)] += n
				case "deliv_model":
					if m, ok := models[key]; ok {
						d.model[m.name] += n
						d.powertrain[m.powertrain] += n
						if months {
							if byMonth[month] == nil {
								byMonth[month] = mix{}
							}
							byMonth[month][m.powertrain] += n
						}
					}
				case "deliv_band":
					if b := band(key); b != "" {
						d.band[b] += n
					}
				}
			})
		return d, err
	}
	cur, err := deliv(sc.From, sc.To, true)
	if err != nil {
		return err
	}
	prev, err := deliv(prevFrom, prevTo, false)
	if err != nil {
		return err
	}
	// Leads and what they ask for.
	ask := newDims()
	if err := s.marketRows(ctx, sc, sc.Filter.From, sc.Filter.To, []string{"lead_province", "lead_city", "lead_model", "lead_powertrain", "lead_band"}, false,
		func(kind, key, _ string, n int) {
			switch kind {
			case "lead_province":
				ask.province[dash(key)] += n
			case "lead_city":
				ask.city[dash(key)] += n
			case "lead_model":
				if m, ok := models[key]; ok && m.name != "" {
					ask.model[m.name] += n
				}
			case "lead_powertrain":
				if key != "" {
					ask.powertrain[key] += n
				}
			case "lead_band":
				if b := band(key); b != "" {
					ask.band[b] += n
				}
			}
		}); err != nil {
		return err
	}

	r.Tiles = []Tile{
		{Label: "交付数", Text: thousands(cur.model.total()), Tip: TipMarketDeliv, Link: sc.drill("/sales/reports/rows", "deliveries")},
		{Label: "上期交付数", Text: thousands(prev.model.total()), Tip: TipShareChange},
		{Label: "新建线索", Text: thousands(ask.province.total()), Tip: TipMarketLeads, Link: sc.drill("/sales/reports/rows", "leads")},
	}

	// Provinces: deliveries and leads, a table and a tile map.
	pt := &Table{ID: "provinces", Title: "各省份交付与线索", Tip: TipMarketDeliv + "；" + TipMarketLeads,
		Cols: []Column{{Label: "省份"}, {Label: "交付数", Tip: TipMarketDeliv, Num: true}, {Label: "交付占比", Num: true}, {Label: "占比变化（百分点）", Tip: TipShareChange, Num: true},
			{Label: "线索数", Tip: TipMarketLeads, Num: true}, {Label: "线索占比", Num: true}},
		Empty: "统计区间内没有交付或线索"}
	fillMix(pt, cur.province, prev.province, ask.province, 0)
	if len(pt.Rows) > 0 {
		pt.Chart = provinceTiles(cur.province, ask.province)
		pt.Note = "图为省份示意图（每个方块一个省级行政区，按大致方位排列，颜色越深交付越多；不是按比例的地图）。"
	}
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
		order[b] = i
	}
	slices.SortFunc(bt.Rows, func(a, b []Cell) int { return order[a[0].Text] - order[b[0].Text] })
	bt.Chart = mixChart(bt)

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

// provinceGrid is every provincial division of China as a square at its
// rough place (column west to east, row north to south): a tile map, not a
// geographic one, so it needs no map data and no map approval (审图).
var provinceGrid = []struct {
	name string
	x, y int
}{
	{"黑龙江", 8, 0}, {"内蒙古", 6, 1}, {"吉林", 8, 1},
	{"新疆", 1, 2}, {"甘肃", 3, 2}, {"宁夏", 4, 2}, {"山西", 5, 2}, {"北京", 6, 2}, {"天津", 7, 2}, {"辽宁", 8, 2},
	{"西藏", 1, 3}, {"青海", 2, 3}, {"陕西", 4, 3}, {"河南", 5, 3}, {"河北", 6, 3}, {"山东", 7, 3},
	{"四川", 3, 4}, {"重庆", 4, 4}, {"湖北", 5, 4}, {"安徽", 6, 4}, {"江苏", 7, 4}, {"上海", 8, 4},
	{"云南", 3, 5}, {"贵州", 4, 5}, {"湖南", 5, 5}, {"江西", 6, 5}, {"浙江", 7, 5},
	{"广西", 4, 6}, {"广东", 5, 6}, {"福建", 6, 6}, {"台湾", 7, 6},
	{"海南", 4, 7}, {"澳门", 5, 7}, {"香港", 6, 7},
}

// provinceTiles is the tile map of deliveries (colour) and leads (in the
// tooltip) by province.
func provinceTiles(deliv, leads mix) string {
	c := &chart{Type: "tiles", Unit: "台", Series: []chartSeries{{Name: "交付数"}, {Name: "线索数"}}}
	for _, p := range provinceGrid {
		c.Labels = append(c.Labels, p.name)
		c.Cells = append(c.Cells, [2]int{p.x, p.y})
		c.Series[0].Values = append(c.Series[0].Values, float64(deliv[p.name]))
		c.Series[1].Values = append(c.Series[1].Values, float64(leads[p.name]))
	}
	return c.json()
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
