package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
)

// ServiceTabs are the tabs of the service reports (/service/reports).
var ServiceTabs = []Option{{"feedback", "客户反馈"}, {"service", "服务指标"}, {"energy", "充换电"}}

// Satisfaction definitions.
const (
	TipRatings  = "评价时间（北京时间）在统计区间内的维修保养评价条数（车主在工单完工后给出的 1–5 星）"
	TipAvg      = "上述评价的平均星级（满分 5）"
	TipCSAT     = "CSAT：4 星和 5 星评价占全部评价的比例"
	TipNPS      = "NPS（按 5 星评分近似）：5 星为推荐者、4 星为中立者、1–3 星为贬损者；NPS = 推荐者比例 − 贬损者比例（百分点，−100 到 100）。系统没有单独的 0–10 分推荐意愿问卷，故为近似值"
	TipLow      = "2 星及以下的评价条数（会生成差评回访）"
	TipFeedback = "创建时间在统计区间内的车主反馈（App、智能客服、客服工单评价），按类型与分类；网点取关联工单或预约的网点"
	TipTickets  = "创建时间在统计区间内的客服工单，按分类（客服工单不属于某个网点，只在查看全部网点时列出）"
	// MinRatings is how many ratings a center needs in the period to be
	// ranked among the lowest rated.
	MinRatings = 5
)

// stars counts ratings by star.
type stars [5]int

func (s *stars) add(r, n int) {
	if r >= 1 && r <= 5 {
		s[r-1] += n
	}
}

func (s stars) n() int { return s[0] + s[1] + s[2] + s[3] + s[4] }

func (s stars) sum() int { return s[0] + 2*s[1] + 3*s[2] + 4*s[3] + 5*s[4] }

// cells returns count, average, CSAT, NPS and low-rating cells.
func (s stars) cells() []Cell {
	n := s.n()
	avg := decimal(float64(s.sum())/float64(max(n, 1)), "", n > 0)
	nps := Cell{Text: "—"}
	if n > 0 {
		v := float64(s[4]-s[0]-s[1]-s[2]) * 100 / float64(n)
		nps = decimal(v, "", true)
	}
	return []Cell{count(n), avg, ratio(s[3]+s[4], n), nps, count(s[0] + s[1])}
}

// ServiceReport returns the service report tab f.Tab (ServiceTabs) for
// actor: a service user sees their center (and the stations it is
// responsible for), an admin every center or the chosen center or region.
// Other roles are Forbidden; bad dates, site or region are Invalid.
func (s *Service) ServiceReport(ctx context.Context, actor *identity.User, f Filter) (*Report, error) {
	if f.Tab == "" {
		f.Tab = ServiceTabs[0].Value
	}
	if !slices.ContainsFunc(ServiceTabs, func(o Option) bool { return o.Value == f.Tab }) {
		return nil, apperr.Field("tab", "没有这个报表")
	}
	sc, err := s.loadScope(ctx, actor, f, identity.RoleService, identity.RoleAdmin)
	if err != nil {
		return nil, err
	}
	r := &Report{Period: sc.period("service_center")}
	switch f.Tab {
	case "feedback":
		err = s.feedback(ctx, sc, r)
	case "service":
		err = s.serviceKPIs(ctx, sc, r)
	case "energy":
		err = s.energy(ctx, sc, r)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// center is the service center a site reports under: a station's parent,
// or the site itself.
func (sc *scope) center(id int64) int64 {
	if x := sc.sites[id]; x != nil && x.ParentID != 0 {
		return x.ParentID
	}
	return id
}

const serviceRows = "/service/reports/rows"

func (s *Service) feedback(ctx context.Context, sc *scope, r *Report) error {
	// The months sc.plan reads whole from the rollup of migration 00029,
	// the days it adds or subtracts from the ratings. Grouped by "site_id + 0": by
	// the bare column SQLite skip-scans the (site_id, created_at) index for
	// its order instead of reading the covering (created_at, site_id,
	// rating) one (three times slower).
	args := []any{}
	whole := sc.wholeMonths("month", &args)
	mwhere := sc.in("site_id", &args)
	month := sc.monthCase("w.created_at", &args)
	other, sign := sc.otherTimes("w.created_at", &args)
	where := sc.in("w.site_id", &args)
	rows, err := s.db.QueryContext(ctx, `SELECT site_id, month, rating, n FROM report_rating_months WHERE `+whole+` AND `+mwhere+` AND n <> 0
		UNION ALL SELECT w.site_id + 0, `+month+`, w.rating, CAST(SUM(`+sign+`) AS BIGINT) FROM work_order_ratings w WHERE `+other+` AND `+where+` GROUP BY 1, 2, 3`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	byCenter := map[int64]*stars{}
	byMonth := map[string]*stars{}
	var total stars
	for rows.Next() {
		var site int64
		var m string
		var rating, n int
		if err := rows.Scan(&site, &m, &rating, &n); err != nil {
			return err
		}
		c := sc.center(site)
		if byCenter[c] == nil {
			byCenter[c] = &stars{}
		}
		if byMonth[m] == nil {
			byMonth[m] = &stars{}
		}
		byCenter[c].add(rating, n)
		byMonth[m].add(rating, n)
		total.add(rating, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	tc := total.cells()
	r.Tiles = []Tile{
		{Label: "评价数", Text: tc[0].Text, Tip: TipRatings, Link: sc.drill(serviceRows, "ratings")},
		{Label: "平均评分", Text: tc[1].Text, Tip: TipAvg},
		{Label: "CSAT", Text: tc[2].Text, Tip: TipCSAT},
		{Label: "NPS（近似）", Text: tc[3].Text, Tip: TipNPS},
	}
	satCols := []Column{{Label: "评价数", Tip: TipRatings, Num: true}, {Label: "平均评分", Tip: TipAvg, Num: true}, {Label: "CSAT", Tip: TipCSAT, Num: true},
		{Label: "NPS", Tip: TipNPS, Num: true}, {Label: "差评数", Tip: TipLow, Num: true}}
	// Trend by month.
	trend := &Table{ID: "satisfaction_trend", Title: "满意度趋势（按月）", Tip: "按评价时间所在的北京时间自然月",
		Cols: append([]Column{{Label: "月份"}}, satCols...), Empty: "统计区间内没有评价"}
	ch := &chart{Type: "line", Unit: "%", Series: []chartSeries{{Name: "CSAT"}, {Name: "NPS"}}}
	for _, m := range sc.Months() {
		st := byMonth[m]
		if st == nil {
			st = &stars{}
		}
		c := st.cells()
		c[0] = c[0].link(sc.drill(serviceRows, "ratings", "month", m))
		c[4] = c[4].link(sc.drill(serviceRows, "ratings", "month", m, "low", "1"))
		trend.Rows = append(trend.Rows, append([]Cell{text(m)}, c...))
		ch.Labels = append(ch.Labels, m)
		ch.Series[0].addValue(c[2].Value)
		ch.Series[1].addValue(c[3].Value)
		ch.Links = append(ch.Links, sc.drill(serviceRows, "ratings", "month", m))
	}
	if total.n() == 0 {
		trend.Rows = nil
	} else {
		trend.Chart = ch.json()
	}
	// Centers, lowest rated first, and regions.
	centers := &Table{ID: "centers", Title: "各服务中心满意度（平均评分从低到高）", Tip: "评价数不少于 " + strconv.Itoa(MinRatings) + " 条的中心按平均评分从低到高排列，其余排在后面",
		Cols: append([]Column{{Label: "服务中心"}, {Label: "大区"}}, satCols...), Empty: "统计区间内没有评价"}
	ids := make([]int64, 0, len(byCenter))
	for id, st := range byCenter {
		if st.n() > 0 { // a center can net to none when days are subtracted (sc.plan)
			ids = append(ids, id)
		}
	}
	avgOf := func(id int64) float64 { st := byCenter[id]; return float64(st.sum()) / float64(max(st.n(), 1)) }
	slices.SortFunc(ids, func(a, b int64) int {
		ra, rb := byCenter[a].n() >= MinRatings, byCenter[b].n() >= MinRatings
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		if x, y := avgOf(a), avgOf(b); x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	byRegion := map[string]*stars{}
	bar := &chart{Type: "bar", Name: "平均评分", Unit: "星"}
	for _, id := range ids {
		st := byCenter[id]
		c := st.cells()
		sid := strconv.FormatInt(id, 10)
		c[0] = c[0].link(sc.drill(serviceRows, "ratings", "site_id", sid))
		c[4] = c[4].link(sc.drill(serviceRows, "ratings", "site_id", sid, "low", "1"))
		reg := "其他"
		if x := sc.sites[id]; x != nil {
			reg = RegionOf(x.Province)
		}
		centers.Rows = append(centers.Rows, append([]Cell{text(sc.siteName(id)), text(reg)}, c...))
		if byRegion[reg] == nil {
			byRegion[reg] = &stars{}
		}
		for i := range st {
			byRegion[reg][i] += st[i]
		}
		if len(bar.Labels) < 15 && st.n() >= MinRatings {
			bar.Labels = append(bar.Labels, sc.siteName(id))
			bar.Values = append(bar.Values, round1(avgOf(id)*10)/10)
			bar.Links = append(bar.Links, sc.drill(serviceRows, "ratings", "site_id", sid))
		}
	}
	// A chart compares centers: one center's bar alone says nothing the
	// table does not.
	if len(bar.Labels) > 1 {
		centers.Chart = bar.json()
	}
	regions := &Table{ID: "regions", Title: "各大区满意度", Cols: append([]Column{{Label: "大区"}}, satCols...), Empty: "统计区间内没有评价"}
	for _, reg := range Regions {
		st := byRegion[reg.Name]
		if st == nil {
			continue
		}
		c := st.cells()
		c[0] = c[0].link(sc.drill(serviceRows, "ratings", "region", reg.Name))
		regions.Rows = append(regions.Rows, append([]Cell{text(reg.Name)}, c...))
	}
	if total.n() > 0 {
		centers.Foot = append([]Cell{text("合计"), text("")}, tc...)
	}
	r.Tables = append(r.Tables, trend, centers)
	if sc.actor.Is(identity.RoleAdmin) && sc.StoreID == 0 {
		r.Tables = append(r.Tables, regions)
	}
	if err := s.feedbackCategories(ctx, sc, r); err != nil {
		return err
	}
	return s.words(ctx, sc, r)
}

// monthCase returns SQL mapping col, a time in [sc.Lo, sc.Hi), to its
// local (Asia/Shanghai) month "YYYY-MM" by comparing it with the end of
// each month of the period (appended to args). Unlike the dialect's
// LocalMonth it calls no date function per row, which on the tens of
// thousands of rows of three months across every site was most of the
// query's time (SQLite parses each stored time as text).
func (sc *scope) monthCase(col string, args *[]any) string {
	months := sc.Months()
	var b strings.Builder
	b.WriteString("CASE")
	for _, m := range months {
		start, err := time.ParseInLocation("2006-01", m, site.Shanghai)
		if err != nil {
			panic("report: month " + m) // Months formats them
		}
		*args = append(*args, start.AddDate(0, 1, 0).UTC())
		fmt.Fprintf(&b, " WHEN %s < $%d THEN '%s'", col, len(*args), m)
	}
	return b.String() + " END"
}

// feedbackKinds are the kinds of feedback in the order the table shows them.
var feedbackKinds = []Option{{"complaint", "投诉"}, {"suggestion", "建议"}, {"rating", "评价"}}

// feedbackCategories are feedback.category in display order.
var feedbackCategories = []string{"charging", "swap", "repair", "battery", "software", "billing", "service", "other"}

// feedbackSite is the SQL of a feedback row's site: its work order's,
// else its appointment's, which the triggers of migration 00025 copy to
// feedback.site_id (indexed with created_at).
const feedbackSite = "f.site_id"

func (s *Service) feedbackCategories(ctx context.Context, sc *scope, r *Report) error {
	// The months sc.plan reads whole from the rollup of migration 00029,
	// the days it adds or subtracts from the feedback rows. Grouped by "kind || ''" so that
	// SQLite reads the covering (created_at, site_id, kind, category) index
	// rather than skip-scanning (kind, created_at) for its order and looking
	// each row up.
	args := []any{}
	whole := sc.wholeMonths("month", &args)
	mwhere := sc.in("site_id", &args)
	month := sc.monthCase("f.created_at", &args)
	other, sign := sc.otherTimes("f.created_at", &args)
	where := sc.in(feedbackSite, &args)
	rows, err := s.db.QueryContext(ctx, `SELECT kind, category, month, CAST(SUM(n) AS BIGINT) FROM report_feedback_months WHERE `+whole+` AND `+mwhere+` GROUP BY 1, 2, 3
		UNION ALL SELECT f.kind || '', f.category, `+month+`, CAST(SUM(`+sign+`) AS BIGINT) FROM feedback f WHERE `+other+` AND `+where+` GROUP BY 1, 2, 3`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cells := map[string]map[string]int{} // category -> kind -> n
	trend := map[string]map[string]int{} // month -> category -> n
	for rows.Next() {
		var kind, cat, m string
		var n int
		if err := rows.Scan(&kind, &cat, &m, &n); err != nil {
			return err
		}
		if cells[cat] == nil {
			cells[cat] = map[string]int{}
		}
		cells[cat][kind] += n
		if trend[m] == nil {
			trend[m] = map[string]int{}
		}
		trend[m][cat] += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	t := &Table{ID: "feedback_categories", Title: "投诉与反馈分类", Tip: TipFeedback, Empty: "统计区间内没有车主反馈"}
	t.Cols = []Column{{Label: "分类"}}
	for _, k := range feedbackKinds {
		t.Cols = append(t.Cols, Column{Label: k.Label, Tip: TipFeedback, Num: true})
	}
	t.Cols = append(t.Cols, Column{Label: "合计", Num: true})
	ch := &chart{Type: "bar", Unit: "条", Stack: true}
	var used []string
	for _, cat := range feedbackCategories {
		row := []Cell{text(support.CategoryLabel(cat))}
		sum := 0
		for _, k := range feedbackKinds {
			n := cells[cat][k.Value]
			sum += n
			row = append(row, count(n).link(sc.drill(serviceRows, "feedback", "kind", k.Value, "category", cat)))
		}
		if sum == 0 { // none, or netted to none when days are subtracted (sc.plan)
			continue
		}
		used = append(used, cat)
		row = append(row, count(sum).link(sc.drill(serviceRows, "feedback", "category", cat)))
		t.Rows = append(t.Rows, row)
	}
	months := sc.Months()
	for _, cat := range used {
		cs := chartSeries{Name: support.CategoryLabel(cat)}
		for _, m := range months {
			cs.Values = append(cs.Values, float64(trend[m][cat]))
		}
		ch.Series = append(ch.Series, cs)
	}
	if len(used) > 0 {
		ch.Labels = months
		t.Chart = ch.json()
		t.Note = "图为各分类每月的反馈条数（堆叠）。"
	}
	r.Tables = append(r.Tables, t)
	if sc.Sites != nil {
		return nil
	}
	// Support tickets by category (no site: all sites only).
	rows2, err := s.db.QueryContext(ctx, `SELECT category, COUNT(*) FROM support_tickets WHERE created_at >= $1 AND created_at < $2 GROUP BY category`, sc.Lo, sc.Hi)
	if err != nil {
		return err
	}
	defer rows2.Close()
	tt := &Table{ID: "tickets", Title: "客服工单分类", Tip: TipTickets, Cols: []Column{{Label: "分类"}, {Label: "工单数", Tip: TipTickets, Num: true}, {Label: "占比", Num: true}},
		Empty: "统计区间内没有客服工单"}
	byCat := map[string]int{}
	total := 0
	for rows2.Next() {
		var c string
		var n int
		if err := rows2.Scan(&c, &n); err != nil {
			return err
		}
		byCat[c] += n
		total += n
	}
	if err := rows2.Err(); err != nil {
		return err
	}
	for _, c := range support.TicketCategories {
		if n := byCat[c.Code]; n > 0 {
			tt.Rows = append(tt.Rows, []Cell{text(c.Label), count(n), ratio(n, total)})
		}
	}
	r.Tables = append(r.Tables, tt)
	return nil
}
