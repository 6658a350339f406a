package report

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/site"
)

// The analysis reports (报表与分析): every report takes a Filter (a period of
// local dates, a store or region, a grouping) that the page keeps in its
// URL, checks who may see what (a sales user sees their store, a service
// user their center, an admin everything) and answers with Tables: the
// figures with their definitions, a chart and the links that drill down to
// the rows behind each figure. The same Table is exported as CSV or XLSX.

// Filter chooses what a report covers. From and To are local dates
// (Asia/Shanghai, both included); StoreID a store or service center (admins
// only; a sales or service user is held to their own site); Region a
// region (大区, Regions) for admins; By the grouping of reports that have
// one.
type Filter struct {
	Tab     string
	From    string
	To      string
	StoreID int64
	Region  string
	By      string
}

// FilterFromQuery reads a Filter from a page's query string (tab, from, to,
// store_id, region, by). A store_id that is not a number is Invalid on
// store_id; dates are checked by the report.
func FilterFromQuery(q url.Values) (Filter, error) {
	f := Filter{Tab: q.Get("tab"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Region: q.Get("region"), By: q.Get("by")}
	if s := q.Get("store_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return f, apperr.Field("store_id", "请选择有效的门店")
		}
		f.StoreID = id
	}
	return f, nil
}

// Query is the filter as a query string (empty values left out), for
// shareable links, drill-downs and exports.
func (f Filter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("tab", f.Tab)
	set("from", f.From)
	set("to", f.To)
	if f.StoreID != 0 {
		q.Set("store_id", strconv.FormatInt(f.StoreID, 10))
	}
	set("region", f.Region)
	set("by", f.By)
	return q
}

// Region is a sales region (大区) and its provinces.
type Region struct {
	Name      string
	Provinces []string
}

// Regions are the sales regions (大区) and their provinces, as the sites
// table names them.
var Regions = []Region{
	{"华东", []string{"上海", "江苏", "浙江", "安徽", "福建", "江西", "山东"}},
	{"华南", []string{"广东", "广西", "海南"}},
	{"华北", []string{"北京", "天津", "河北", "山西", "内蒙古"}},
	{"华中", []string{"河南", "湖北", "湖南"}},
	{"西南", []string{"重庆", "四川", "贵州", "云南", "西藏"}},
	{"西北", []string{"陕西", "甘肃", "青海", "宁夏", "新疆"}},
	{"东北", []string{"辽宁", "吉林", "黑龙江"}},
}

// RegionOf is the region of a province ("其他" when none lists it).
func RegionOf(province string) string {
	for _, r := range Regions {
		if slices.Contains(r.Provinces, province) {
			return r.Name
		}
	}
	return "其他"
}

// MaxDays is the longest period a report covers.
const MaxDays = 731

// siteInfo is what reports need of a site.
type siteInfo struct {
	ID       int64
	Kind     string
	Name     string
	Province string
	City     string
	ParentID int64
}

// scope is a checked filter: the period as UTC bounds [Lo, Hi), the sites
// it covers (nil: all) and the names a report shows.
type scope struct {
	Filter
	From, To time.Time // local midnights of the first and last day
	Lo, Hi   time.Time // UTC: [From, To+1 day)
	Sites    []int64   // the stores or centers in scope; nil for all
	sites    map[int64]*siteInfo
	actor    *identity.User
}

// in returns "col IN ($n, ...)" for the sites in scope with the arguments
// appended to args, or "1 = 1" when every site is in scope.
func (sc *scope) in(col string, args *[]any) string {
	if sc.Sites == nil {
		return "1 = 1"
	}
	if len(sc.Sites) == 0 {
		return "1 = 0"
	}
	ph := make([]string, len(sc.Sites))
	for i, id := range sc.Sites {
		*args = append(*args, id)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return col + " IN (" + strings.Join(ph, ", ") + ")"
}

// siteName is a site's name ("—" for none, "#id" for one unknown).
func (sc *scope) siteName(id int64) string {
	if id == 0 {
		return "—"
	}
	if s := sc.sites[id]; s != nil {
		return s.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// Months are the local months the period touches, "2026-01" ... in order.
func (sc *scope) Months() []string {
	var out []string
	for m := time.Date(sc.From.Year(), sc.From.Month(), 1, 0, 0, 0, 0, site.Shanghai); !m.After(sc.To); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// monthPlan is how a report reads its period from a month rollup of
// migration 00029 or 00030 and the days around it (a day rollup or the source
// rows): the local months first..last read whole (none when first >
// last), plus the local days in plus, less those in minus (days of a
// whole-read month outside the period). A month the period covers in part
// is read whichever way touches fewer days: its days in the period, or the
// whole month less its days outside (the default period, two whole months
// and the current one up to today, reads the current month whole less the
// days after today).
type monthPlan struct {
	first, last string
	plus, minus [][2]time.Time // local midnights [from, to)
}

// plan returns sc's monthPlan.
func (sc *scope) plan() monthPlan {
	p := monthPlan{first: "9999-12", last: "0000-01"}
	end := sc.To.AddDate(0, 0, 1)
	for m := time.Date(sc.From.Year(), sc.From.Month(), 1, 0, 0, 0, 0, site.Shanghai); m.Before(end); m = m.AddDate(0, 1, 0) {
		next := m.AddDate(0, 1, 0)
		lo, hi := m, next
		if sc.From.After(lo) {
			lo = sc.From
		}
		if end.Before(hi) {
			hi = end
		}
		in := hi.Sub(lo)
		if in < next.Sub(m)-in {
			p.plus = append(p.plus, [2]time.Time{lo, hi})
			continue
		}
		if lo.After(m) {
			p.minus = append(p.minus, [2]time.Time{m, lo})
		}
		if hi.Before(next) {
			p.minus = append(p.minus, [2]time.Time{hi, next})
		}
		p.first, p.last = min(p.first, m.Format("2006-01")), max(p.last, m.Format("2006-01"))
	}
	return p
}

// wholeMonths returns the condition on col, a local month "2006-01" of a
// month rollup, that selects the months sc's plan reads whole, with its
// arguments appended to args.
func (sc *scope) wholeMonths(col string, args *[]any) string {
	p := sc.plan()
	*args = append(*args, p.first, p.last)
	return fmt.Sprintf("%s >= $%d AND %s <= $%d", col, len(*args)-1, col, len(*args))
}

// otherDays returns, for col, a local day "2006-01-02" of a day rollup,
// the condition selecting the days sc's plan adds or subtracts and the
// sign (SQL, 1 or -1) to multiply each such row's figures by; arguments
// are appended to args.
func (sc *scope) otherDays(col string, args *[]any) (where, sign string) {
	return sc.planDays(col, args, func(t time.Time) any { return t.Format("2006-01-02") })
}

// otherTimes is otherDays for col, a time of the source rows.
func (sc *scope) otherTimes(col string, args *[]any) (where, sign string) {
	return sc.planDays(col, args, func(t time.Time) any { return t.UTC() })
}

func (sc *scope) planDays(col string, args *[]any, bound func(time.Time) any) (where, sign string) {
	p := sc.plan()
	ranges := func(rs [][2]time.Time) string {
		if len(rs) == 0 {
			return "1 = 0"
		}
		var or []string
		for _, r := range rs {
			*args = append(*args, bound(r[0]), bound(r[1]))
			or = append(or, fmt.Sprintf("%s >= $%d AND %s < $%d", col, len(*args)-1, col, len(*args)))
		}
		return "(" + strings.Join(or, " OR ") + ")"
	}
	plus, minus := ranges(p.plus), ranges(p.minus)
	switch {
	case len(p.minus) == 0:
		return plus, "1"
	case len(p.plus) == 0:
		return minus, "-1"
	}
	return "(" + plus + " OR " + minus + ")", "(CASE WHEN " + plus + " THEN 1 ELSE -1 END)"
}

// Period is the checked period and the site choices of a report page.
type Period struct {
	From, To string
	StoreID  int64
	Region   string
	// Stores are the sites an admin may pick (a sales or service user has
	// only their own, and no choice).
	Stores []Option
	Locked string // the one site a non-admin is held to
}

// Option is a choice in a filter menu.
type Option struct {
	Value string
	Label string
}

// loadScope checks f for actor and the kind of site the report is about
// ("store" or "service_center"): dates (default the three calendar months up
// to today), the site (a sales or service user is held to their own; a
// service center covers the stations it is responsible for), the region.
// Roles other than allowed are Forbidden.
func (s *Service) loadScope(ctx context.Context, actor *identity.User, f Filter, allowed ...identity.Role) (*scope, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(allowed...) || !actor.Is(identity.RoleAdmin) && actor.SiteID == 0 {
		return nil, apperr.New(apperr.Forbidden, "无权查看该报表")
	}
	today := s.now().In(site.Shanghai)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, site.Shanghai)
	from := time.Date(today.Year(), today.Month()-2, 1, 0, 0, 0, 0, site.Shanghai)
	var v apperr.Validator
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, site.Shanghai)
		v.Check(err == nil, "from", "请输入有效日期，例如 2026-11-01")
		from = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, site.Shanghai)
		v.Check(err == nil, "to", "请输入有效日期，例如 2026-11-30")
		to = t
	}
	if v.Valid() {
		v.Check(!to.Before(from), "to", "结束日期不能早于开始日期")
		v.Check(to.Sub(from) <= (MaxDays-1)*24*time.Hour, "from", "统计区间最长两年")
	}
	if f.Region != "" {
		v.Check(slices.ContainsFunc(Regions, func(r Region) bool { return r.Name == f.Region }), "region", "请选择有效的大区")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc := &scope{Filter: f, From: from, To: to, Lo: from.UTC(), Hi: to.AddDate(0, 0, 1).UTC(), actor: actor, sites: map[int64]*siteInfo{}}
	sc.Filter.From, sc.Filter.To = from.Format("2006-01-02"), to.Format("2006-01-02")
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, name, province, city, COALESCE(parent_id, 0) FROM sites ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		x := &siteInfo{}
		if err := rows.Scan(&x.ID, &x.Kind, &x.Name, &x.Province, &x.City, &x.ParentID); err != nil {
			return nil, err
		}
		sc.sites[x.ID] = x
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin) {
		sc.StoreID, sc.Region = actor.SiteID, ""
	}
	switch {
	case sc.StoreID != 0:
		x := sc.sites[sc.StoreID]
		if x == nil {
			return nil, apperr.Field("store_id", "门店不存在")
		}
		sc.Sites = []int64{sc.StoreID}
		if x.Kind == "service_center" {
			for _, y := range sc.sites {
				if y.ParentID == x.ID {
					sc.Sites = append(sc.Sites, y.ID)
				}
			}
			slices.Sort(sc.Sites)
		}
	case sc.Region != "":
		sc.Sites = []int64{}
		for _, y := range sc.sites {
			if RegionOf(y.Province) == sc.Region {
				sc.Sites = append(sc.Sites, y.ID)
			}
		}
		slices.Sort(sc.Sites)
	}
	return sc, nil
}

// period describes sc for the page's filter bar.
func (sc *scope) period(kind string) Period {
	p := Period{From: sc.Filter.From, To: sc.Filter.To, StoreID: sc.StoreID, Region: sc.Region}
	if !sc.actor.Is(identity.RoleAdmin) {
		p.Locked = sc.siteName(sc.actor.SiteID)
		return p
	}
	ids := make([]int64, 0, len(sc.sites))
	for id, x := range sc.sites {
		if x.Kind == kind {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		x := sc.sites[id]
		p.Stores = append(p.Stores, Option{Value: strconv.FormatInt(id, 10), Label: x.Name})
	}
	return p
}

// Column is a table column; Num columns are right-aligned numbers. Tip is
// the definition of the figure (the page shows it on hover).
type Column struct {
	Label string
	Tip   string
	Num   bool
}

// Cell is a table cell: Text as shown, Value as exported (string, int,
// int64, float64 or listing.Fen), Link its drill-down (may be "").
type Cell struct {
	Text  string
	Value any
	Link  string
}

// Table is one figure table of a report with its chart.
type Table struct {
	ID    string // stable name: the export and the page anchors use it
	Title string
	Tip   string // what the table counts
	Cols  []Column
	Rows  [][]Cell
	Foot  []Cell // totals ("" cells where none)
	Chart string // chart JSON (static/js/charts.js) or ""
	Note  string // shown under the table
	Empty string // what to say when there are no rows
}

// Report is a report page: its tabs' period, tiles and tables.
type Report struct {
	Period Period
	Tiles  []Tile
	Tables []*Table
	Notes  []string
	// Words are the most frequent words of comments (feedback), with
	// their counts.
	Words []WordCount
}

// Tile is a headline figure.
type Tile struct {
	Label string
	Text  string
	Note  string
	Tip   string
	Link  string
}

// Table returns the table named id, or nil.
func (r *Report) Table(id string) *Table {
	for _, t := range r.Tables {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Export writes t to w: the header, the rows, the totals.
func (t *Table) Export(w listing.Writer) (int, error) {
	header := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		header[i] = c.Label
	}
	return listing.Export(w, header, func(emit func(cells ...any) error) error {
		write := func(row []Cell) error {
			cells := make([]any, len(row))
			for i, c := range row {
				cells[i] = c.Value
			}
			return emit(cells...)
		}
		for _, r := range t.Rows {
			if err := write(r); err != nil {
				return err
			}
		}
		if t.Foot != nil {
			return write(t.Foot)
		}
		return nil
	})
}

// Cell constructors.

func text(s string) Cell { return Cell{Text: s, Value: s} }

func count(n int) Cell { return Cell{Text: listing.Thousands(int64(n)), Value: n} }

func money(fen int64) Cell { return Cell{Text: yuanText(fen), Value: listing.Fen(fen)} }

// ratio is a/b as a percentage with one decimal ("—" when b is 0); the
// export carries the percentage as a number.
func ratio(a, b int) Cell {
	if b == 0 {
		return Cell{Text: "—", Value: nil}
	}
	p := float64(a) * 100 / float64(b)
	return Cell{Text: strconv.FormatFloat(p, 'f', 1, 64) + "%", Value: round1(p)}
}

// decimal is f with one decimal and a unit ("—" when ok is false).
func decimal(f float64, unit string, ok bool) Cell {
	if !ok {
		return Cell{Text: "—", Value: nil}
	}
	return Cell{Text: strconv.FormatFloat(f, 'f', 1, 64) + unit, Value: round1(f)}
}

func round1(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

func (c Cell) link(u string) Cell { c.Link = u; return c }

// yuanText formats fen as "¥12,345.00".
func yuanText(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, listing.Thousands(fen/100), fen%100)
}

// chart is the chart JSON of static/js/charts.js: one or more series over
// labels; links (may be nil) are the drill-down of each label.
type chart struct {
	Type   string        `json:"type"`
	Name   string        `json:"name,omitempty"`
	Unit   string        `json:"unit,omitempty"`
	Labels []string      `json:"labels"`
	Values []float64     `json:"values,omitempty"`
	Series []chartSeries `json:"series,omitempty"`
	Links  []string      `json:"links,omitempty"`
	Stack  bool          `json:"stack,omitempty"`
	Axis2  bool          `json:"axis2,omitempty"`
	// Cells are the (column, row) of each label on a tile map (type
	// "tiles": one square a label, coloured by the first series).
	Cells [][2]int `json:"cells,omitempty"`
}

type chartSeries struct {
	Name    string    `json:"name"`
	Values  []float64 `json:"values"`
	Missing []int     `json:"missing,omitempty"` // indexes with no value (a line breaks there)
	Key     string    `json:"key,omitempty"`     // a status: the chart uses the product's colour of that status
	Type    string    `json:"type,omitempty"`
	Right   bool      `json:"right,omitempty"`
}

// addValue appends a cell's exported value: a number, or a gap when the
// cell has none ("—", e.g. a rate of a month without ratings).
func (s *chartSeries) addValue(v any) {
	f, ok := v.(float64)
	if !ok {
		s.Missing = append(s.Missing, len(s.Values))
	}
	s.Values = append(s.Values, f)
}

func (c *chart) json() string {
	if c.Labels == nil {
		c.Labels = []string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return string(b)
}

// anyTime scans a timestamp that SQLite returns as text (an aggregate such
// as MIN of a DATETIME column loses its type) or as time.Time; NULL leaves
// Valid false.
type anyTime struct {
	Time  time.Time
	Valid bool
}

// timeLayouts are the text forms SQLite holds timestamps in.
var timeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// Scan implements sql.Scanner.
func (t *anyTime) Scan(v any) error {
	t.Valid = false
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		t.Time, t.Valid = x, true
		return nil
	case []byte:
		v = string(x)
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("report: cannot scan %T as a time", v)
	}
	for _, l := range timeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			t.Time, t.Valid = p, true
			return nil
		}
	}
	return fmt.Errorf("report: cannot parse time %q", s)
}
