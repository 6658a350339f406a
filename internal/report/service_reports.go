package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/booking"
)

// Service KPI definitions.
const (
	TipAppointments = "预约时段开始时间（北京时间）在统计区间内的预约，按服务类型与状态"
	TipNoShow       = "未到店 ÷ 预约数"
	TipOnTime       = "已开工的预约中，在预约时段开始后 15 分钟内开工的比例"
	TipDuration     = "已完成预约从开工到完工的平均分钟数"
	TipCapacity     = "未取消的预约数 ÷ 可约名额（各网点各类服务每个时段的名额 × 营业时段数 × 统计天数）"
	TipParts        = "完工时间在统计区间内、已完工或已交车的维修工单的材料费之和"
	TipWarranty     = "上述工单中质保承担的金额 ÷（材料费 + 工时费）"
)

// kindOrder are the service kinds in display order.
var kindOrder = []string{"repair", "swap", "charging", "test_drive"}

var kindLabels = map[string]string{"repair": "维修保养", "swap": "换电", "charging": "充电", "test_drive": "试驾"}

type apptAgg struct {
	byStatus       map[string]int
	n, started     int
	onTime         int
	durSum         float64
	durN           int
	used, capacity int
}

func (a *apptAgg) cells(link func(kv ...string) string) []Cell {
	noShow := a.byStatus[string(booking.NoShow)]
	return []Cell{count(a.n).link(link()), ratio(noShow, a.n), ratio(a.onTime, a.started), decimal(a.durSum/float64(max(a.durN, 1)), "", a.durN > 0),
		ratio(a.used, a.capacity)}
}

func (s *Service) serviceKPIs(ctx context.Context, sc *scope, r *Report) error {
	// Per site, kind and status: the months sc.plan reads whole from the
	// rollup of migration 00029, the days it adds or subtracts from the day
	// rollup of migration 00021 (report_appointment_days). Grouped by
	// "site_id + 0": by the bare column SQLite skip-scans the primary key
	// (site_id, day, ...) for its order instead of reading the covering day
	// index of migration 00026 (four times slower).
	args := []any{}
	whole := sc.wholeMonths("month", &args)
	mwhere := sc.in("site_id", &args)
	other, sign := sc.otherDays("day", &args)
	where := sc.in("site_id", &args)
	sum := func(col string) string { return "CAST(SUM(" + col + " * " + sign + ") AS BIGINT)" }
	rows, err := s.db.QueryContext(ctx, `SELECT site_id, service_kind, status, n, started, on_time, dur_sec, dur_n
		FROM report_appointment_months WHERE `+whole+` AND `+mwhere+` AND n <> 0
		UNION ALL SELECT site_id + 0, service_kind, status, `+sum("n")+`, `+sum("started")+`, `+sum("on_time")+`, `+sum("dur_sec")+`, `+sum("dur_n")+`
		FROM report_appointment_days WHERE `+other+` AND `+where+` GROUP BY 1, 2, 3`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	byKind := map[string]*apptAgg{}
	byCenter := map[int64]*apptAgg{}
	var total apptAgg
	total.byStatus = map[string]int{}
	get := func(m map[string]*apptAgg, k string) *apptAgg {
		if m[k] == nil {
			m[k] = &apptAgg{byStatus: map[string]int{}}
		}
		return m[k]
	}
	for rows.Next() {
		var site int64
		var kind, status string
		var n, started, onTime, durN int
		var durSec int64
		if err := rows.Scan(&site, &kind, &status, &n, &started, &onTime, &durSec, &durN); err != nil {
			return err
		}
		durSum := float64(durSec) / 60
		c := sc.center(site)
		if byCenter[c] == nil {
			byCenter[c] = &apptAgg{byStatus: map[string]int{}}
		}
		for _, a := range []*apptAgg{get(byKind, kind), byCenter[c], &total} {
			a.byStatus[status] += n
			a.n += n
			a.started += started
			a.onTime += onTime
			a.durSum += durSum
			a.durN += durN
			if status != string(booking.Cancelled) {
				a.used += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	// Capacity: places per slot × slots a day × days, per site and kind.
	days := int(sc.Hi.Sub(sc.Lo).Hours()/24 + 0.5)
	cargs := []any{}
	cwhere := sc.in("c.site_id", &cargs)
	crows, err := s.db.QueryContext(ctx, `SELECT c.site_id, c.service_kind, c.places_per_slot, s.open_minute, s.close_minute, s.slot_minutes
		FROM site_capacity c JOIN sites s ON s.id = c.site_id WHERE s.status = 'open' AND `+cwhere, cargs...)
	if err != nil {
		return err
	}
	defer crows.Close()
	for crows.Next() {
		var site int64
		var kind string
		var places, open, closeM, slot int
		if err := crows.Scan(&site, &kind, &places, &open, &closeM, &slot); err != nil {
			return err
		}
		capacity := places * ((closeM - open) / max(slot, 1)) * days
		c := sc.center(site)
		if byCenter[c] == nil {
			byCenter[c] = &apptAgg{byStatus: map[string]int{}}
		}
		for _, a := range []*apptAgg{get(byKind, kind), byCenter[c], &total} {
			a.capacity += capacity
		}
	}
	if err := crows.Err(); err != nil {
		return err
	}
	crows.Close()

	// Work orders finished in the period: the months sc.plan reads whole
	// from the rollup of migration 00029, the days it adds or subtracts
	// from the orders.
	wargs := []any{}
	whole = sc.wholeMonths("month", &wargs)
	mwhere = sc.in("site_id", &wargs)
	month := sc.monthCase("completed_at", &wargs)
	wother, wsign := sc.otherTimes("completed_at", &wargs)
	wwhere := sc.in("site_id", &wargs)
	wsum := func(col string) string { return "CAST(SUM(" + col + " * " + wsign + ") AS BIGINT)" }
	wrows, err := s.db.QueryContext(ctx, `SELECT site_id, month, n, parts_fen, labour_fen, warranty_fen FROM report_work_order_months
		WHERE `+whole+` AND `+mwhere+` AND n <> 0
		UNION ALL SELECT site_id, `+month+`, `+wsum("1")+`, `+wsum("parts_fen")+`, `+wsum("labour_fen")+`, `+wsum("warranty_fen")+`
		FROM work_orders WHERE status IN ('completed', 'closed') AND `+wother+` AND `+wwhere+` GROUP BY 1, 2`, wargs...)
	if err != nil {
		return err
	}
	defer wrows.Close()
	type money3 struct {
		n                       int
		parts, labour, warranty int64
	}
	woCenter := map[int64]*money3{}
	woMonth := map[string]*money3{}
	var woTotal money3
	for wrows.Next() {
		var site int64
		var m string
		var x money3
		if err := wrows.Scan(&site, &m, &x.n, &x.parts, &x.labour, &x.warranty); err != nil {
			return err
		}
		c := sc.center(site)
		if woCenter[c] == nil {
			woCenter[c] = &money3{}
		}
		if woMonth[m] == nil {
			woMonth[m] = &money3{}
		}
		for _, a := range []*money3{woCenter[c], woMonth[m], &woTotal} {
			a.n += x.n
			a.parts += x.parts
			a.labour += x.labour
			a.warranty += x.warranty
		}
	}
	if err := wrows.Err(); err != nil {
		return err
	}
	wrows.Close()
	share := func(x *money3) Cell {
		if x == nil || x.parts+x.labour == 0 {
			return Cell{Text: "—"}
		}
		return ratio(int(x.warranty), int(x.parts+x.labour))
	}

	r.Tiles = []Tile{
		{Label: "预约数", Text: thousands(total.n), Tip: TipAppointments, Link: sc.drill(serviceRows, "appointments")},
		{Label: "未到店率", Text: ratio(total.byStatus[string(booking.NoShow)], total.n).Text, Tip: TipNoShow,
			Link: sc.drill(serviceRows, "appointments", "status", string(booking.NoShow))},
		{Label: "准时开工率", Text: ratio(total.onTime, total.started).Text, Tip: TipOnTime},
		{Label: "质保占比", Text: share(&woTotal).Text, Tip: TipWarranty},
	}
	aCols := []Column{{Label: "预约数", Tip: TipAppointments, Num: true}, {Label: "未到店率", Tip: TipNoShow, Num: true}, {Label: "准时开工率", Tip: TipOnTime, Num: true},
		{Label: "平均服务时长（分钟）", Tip: TipDuration, Num: true}, {Label: "产能利用率", Tip: TipCapacity, Num: true}}
	// By kind, with the statuses.
	kt := &Table{ID: "appointments", Title: "按服务类型的预约", Tip: TipAppointments, Empty: "统计区间内没有预约"}
	kt.Cols = []Column{{Label: "服务类型"}}
	for _, st := range booking.Statuses {
		kt.Cols = append(kt.Cols, Column{Label: st.Label(), Num: true})
	}
	kt.Cols = append(kt.Cols, aCols...)
	ch := &chart{Type: "bar", Unit: "个", Stack: true}
	for _, st := range booking.Statuses {
		ch.Series = append(ch.Series, chartSeries{Name: st.Label(), Key: string(st)})
	}
	for _, k := range kindOrder {
		a := byKind[k]
		if a == nil || a.n == 0 {
			continue
		}
		row := []Cell{text(kindLabels[k])}
		for i, st := range booking.Statuses {
			n := a.byStatus[string(st)]
			row = append(row, count(n).link(sc.drill(serviceRows, "appointments", "kind", k, "status", string(st))))
			ch.Series[i].Values = append(ch.Series[i].Values, float64(n))
		}
		row = append(row, a.cells(func(kv ...string) string { return sc.drill(serviceRows, "appointments", "kind", k) })...)
		kt.Rows = append(kt.Rows, row)
		ch.Labels = append(ch.Labels, kindLabels[k])
	}
	if len(kt.Rows) > 0 {
		kt.Chart = ch.json()
		foot := []Cell{text("合计")}
		for _, st := range booking.Statuses {
			foot = append(foot, count(total.byStatus[string(st)]))
		}
		kt.Foot = append(foot, total.cells(func(kv ...string) string { return sc.drill(serviceRows, "appointments") })...)
	}
	// By center.
	ct := &Table{ID: "centers", Title: "各网点服务指标", Tip: "网点为服务中心（其负责的充换电站计入中心）或门店（试驾）", Empty: "统计区间内没有预约或工单"}
	ct.Cols = append([]Column{{Label: "网点"}}, aCols...)
	ct.Cols = append(ct.Cols, Column{Label: "完工工单", Num: true}, Column{Label: "材料费", Tip: TipParts, Num: true}, Column{Label: "质保占比", Tip: TipWarranty, Num: true})
	ids := []int64{}
	for id := range byCenter {
		ids = append(ids, id)
	}
	for id := range woCenter {
		if byCenter[id] == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := byCenter[id]
		if a == nil {
			a = &apptAgg{byStatus: map[string]int{}}
		}
		if a.n == 0 && (woCenter[id] == nil || woCenter[id].n == 0) {
			continue
		}
		sid := strconv.FormatInt(id, 10)
		w := woCenter[id]
		wn, parts := 0, int64(0)
		if w != nil {
			wn, parts = w.n, w.parts
		}
		row := append([]Cell{text(sc.siteName(id))}, a.cells(func(kv ...string) string { return sc.drill(serviceRows, "appointments", "site_id", sid) })...)
		ct.Rows = append(ct.Rows, append(row, count(wn), money(parts), share(w)))
	}
	// Parts and warranty by month.
	mt := &Table{ID: "parts", Title: "材料费与质保占比（按月）", Tip: "按工单完工时间所在的北京时间自然月",
		Cols: []Column{{Label: "月份"}, {Label: "完工工单", Num: true}, {Label: "材料费", Tip: TipParts, Num: true}, {Label: "工时费", Num: true},
			{Label: "质保承担", Num: true}, {Label: "质保占比", Tip: TipWarranty, Num: true}}, Empty: "统计区间内没有完工工单"}
	mc := &chart{Type: "bar", Unit: "元", Series: []chartSeries{{Name: "材料费"}, {Name: "工时费"}, {Name: "质保承担"}}}
	for _, m := range sc.Months() {
		x := woMonth[m]
		if x == nil {
			x = &money3{}
		}
		mt.Rows = append(mt.Rows, []Cell{text(m), count(x.n), money(x.parts), money(x.labour), money(x.warranty), share(x)})
		mc.Labels = append(mc.Labels, m)
		mc.Series[0].Values = append(mc.Series[0].Values, float64(x.parts)/100)
		mc.Series[1].Values = append(mc.Series[1].Values, float64(x.labour)/100)
		mc.Series[2].Values = append(mc.Series[2].Values, float64(x.warranty)/100)
	}
	if woTotal.n == 0 {
		mt.Rows = nil
	} else {
		mt.Chart = mc.json()
		mt.Foot = []Cell{text("合计"), count(woTotal.n), money(woTotal.parts), money(woTotal.labour), money(woTotal.warranty), share(&woTotal)}
	}
	r.Tables = append(r.Tables, kt, ct, mt)
	return nil
}

// Energy definitions.
const (
	TipSessions = "开始时间在统计区间内、在本系统网点（充电站）的充电次数"
	TipEnergy   = "上述充电的充电量之和（千瓦时）"
	TipSwaps    = "换电时间在统计区间内的换电次数"
	TipPeak     = "按开始时间所在的北京时间小时（0–23 时）统计的次数"
)

func (s *Service) energy(ctx context.Context, sc *scope, r *Report) error {
	// Per site: the months sc.plan reads whole from the rollup of migration
	// 00029, the days it adds or subtracts from the day rollup of migration
	// 00021 (report_energy_days), not every session.
	sums := []string{"charges", "fast", "energy_wh", "charge_fen", "swaps", "swap_sec"}
	for _, p := range []string{"c", "s"} {
		for h := range 24 {
			sums = append(sums, fmt.Sprintf("%s%02d", p, h))
		}
	}
	args := []any{}
	whole := sc.wholeMonths("month", &args)
	mwhere := sc.in("site_id", &args)
	other, sign := sc.otherDays("day", &args)
	where := sc.in("site_id", &args)
	cols, signed := strings.Join(sums, ", "), make([]string, len(sums))
	for i, c := range sums {
		signed[i] = c + " * " + sign
		sums[i] = "CAST(SUM(" + c + ") AS BIGINT)"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT site_id, `+strings.Join(sums, ", ")+` FROM (
		SELECT site_id, `+cols+` FROM report_energy_months WHERE `+whole+` AND `+mwhere+`
		UNION ALL SELECT site_id, `+strings.Join(signed, ", ")+` FROM report_energy_days WHERE `+other+` AND `+where+`) e
		GROUP BY site_id HAVING SUM(charges) + SUM(swaps) > 0 ORDER BY site_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type agg struct {
		sessions, fast, swaps int
		kwh                   float64
		fen                   int64
		swapSec               int64
	}
	bySite := map[int64]*agg{}
	var hoursC, hoursS [24]int
	var tot agg
	for rows.Next() {
		var site, wh int64
		var x agg
		var hc, hs [24]int
		dest := []any{&site, &x.sessions, &x.fast, &wh, &x.fen, &x.swaps, &x.swapSec}
		for h := range 24 {
			dest = append(dest, &hc[h])
		}
		for h := range 24 {
			dest = append(dest, &hs[h])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		x.kwh = float64(wh) / 1000
		bySite[site] = &x
		tot.sessions += x.sessions
		tot.fast += x.fast
		tot.kwh += x.kwh
		tot.fen += x.fen
		tot.swaps += x.swaps
		tot.swapSec += x.swapSec
		for h := range 24 {
			hoursC[h] += hc[h]
			hoursS[h] += hs[h]
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	peak := func(h [24]int) string {
		best := -1
		for i, n := range h {
			if n > 0 && (best < 0 || n > h[best]) {
				best = i
			}
		}
		if best < 0 {
			return "—"
		}
		return fmt.Sprintf("%02d:00–%02d:00", best, best+1)
	}
	r.Tiles = []Tile{
		{Label: "充电次数", Text: thousands(tot.sessions), Tip: TipSessions},
		{Label: "充电量（千瓦时）", Text: decimal(tot.kwh, "", true).Text, Tip: TipEnergy},
		{Label: "换电次数", Text: thousands(tot.swaps), Tip: TipSwaps},
		{Label: "充电高峰", Text: peak(hoursC), Tip: "充电次数最多的小时（北京时间）", Note: "换电高峰 " + peak(hoursS)},
	}
	st := &Table{ID: "stations", Title: "各站点充换电", Tip: "充电站与换电站；服务顾问看到本中心负责的站点",
		Cols: []Column{{Label: "站点"}, {Label: "充电次数", Tip: TipSessions, Num: true}, {Label: "充电量（千瓦时）", Tip: TipEnergy, Num: true},
			{Label: "快充占比", Tip: "快充次数 ÷ 充电次数", Num: true}, {Label: "充电收入", Tip: "上述充电的费用之和", Num: true},
			{Label: "换电次数", Tip: TipSwaps, Num: true}, {Label: "平均换电时长（秒）", Tip: "换电记录的时长平均值", Num: true}},
		Empty: "统计区间内没有充换电记录"}
	ids := []int64{}
	for id := range bySite {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := bySite[id]
		st.Rows = append(st.Rows, []Cell{text(sc.siteName(id)), count(a.sessions), decimal(a.kwh, "", true), ratio(a.fast, a.sessions), money(a.fen),
			count(a.swaps), decimal(float64(a.swapSec)/float64(max(a.swaps, 1)), "", a.swaps > 0)})
	}
	if len(st.Rows) > 0 {
		st.Foot = []Cell{text("合计"), count(tot.sessions), decimal(tot.kwh, "", true), ratio(tot.fast, tot.sessions), money(tot.fen), count(tot.swaps),
			decimal(float64(tot.swapSec)/float64(max(tot.swaps, 1)), "", tot.swaps > 0)}
	}
	ht := &Table{ID: "hours", Title: "分时段使用（高峰时段）", Tip: TipPeak,
		Cols: []Column{{Label: "时段"}, {Label: "充电次数", Tip: TipPeak, Num: true}, {Label: "换电次数", Tip: TipPeak, Num: true}}, Empty: "统计区间内没有充换电记录"}
	hc := &chart{Type: "bar", Unit: "次", Series: []chartSeries{{Name: "充电"}, {Name: "换电"}}}
	for h := range 24 {
		label := fmt.Sprintf("%02d时", h)
		ht.Rows = append(ht.Rows, []Cell{text(label), count(hoursC[h]), count(hoursS[h])})
		hc.Labels = append(hc.Labels, label)
		hc.Series[0].Values = append(hc.Series[0].Values, float64(hoursC[h]))
		hc.Series[1].Values = append(hc.Series[1].Values, float64(hoursS[h]))
	}
	if tot.sessions+tot.swaps == 0 {
		ht.Rows = nil
	} else {
		ht.Chart = hc.json()
	}
	r.Tables = append(r.Tables, st, ht)
	return nil
}
