package report

import (
	"cmp"
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
)

// WordCount is a word of comments and how many comments use it.
type WordCount struct {
	Word string
	N    int
	Link string
}

// RowsFilter chooses the rows behind a report figure: the report's Filter
// and the figure's own conditions.
type RowsFilter struct {
	Filter
	Set        string // orders, deliveries, leads (DrillSets)
	UserID     string // a consultant id, "0" for none
	ModelID    int64
	Month      string // "2026-03": narrows the period to that local month
	Source     string
	CampaignID int64
	Stage      string // funnel stage a lead reached
	All        bool   // leads of a campaign whenever they came
	Limit      int
	Cursor     string
}

// DrillSets names the row sets and their titles.
var DrillSets = map[string]string{"orders": "订单明细", "deliveries": "交付明细", "leads": "线索明细"}

// RowsFilterFromQuery reads a RowsFilter from a drill-down address.
func RowsFilterFromQuery(q url.Values) (RowsFilter, error) {
	f, err := FilterFromQuery(q)
	if err != nil {
		return RowsFilter{}, err
	}
	p, err := listing.ParseParams(q)
	if err != nil {
		return RowsFilter{}, err
	}
	rf := RowsFilter{Filter: f, Set: q.Get("set"), UserID: q.Get("user_id"), Month: q.Get("month"), Source: q.Get("source"),
		Stage: q.Get("stage"), All: q.Get("all") == "1", Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"model_id", &rf.ModelID}, {"campaign_id", &rf.CampaignID}} {
		if s := q.Get(x.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			v.Check(err == nil && n > 0, x.name, "参数无效")
			*x.dst = n
		}
	}
	if rf.UserID != "" {
		_, err := strconv.ParseInt(rf.UserID, 10, 64)
		v.Check(err == nil, "user_id", "参数无效")
	}
	if rf.Month != "" {
		_, err := time.Parse("2006-01", rf.Month)
		v.Check(err == nil, "month", "月份无效")
	}
	if _, ok := DrillSets[rf.Set]; !ok {
		v.Check(false, "set", "没有这类明细")
	}
	return rf, v.Err()
}

// Drill is one page of the rows behind a figure.
type Drill struct {
	Title  string
	Period Period
	Table  *Table
	Total  listing.Total
	Next   string // cursor of the next page, "" on the last
}

var (
	orderSort = listing.Orders{{Name: "time_desc", Key: "k", ID: "v.id", Kind: listing.KeyTime, Desc: true}}
	leadSort  = listing.Orders{{Name: "time_desc", Key: "l.created_at", ID: "l.id", Kind: listing.KeyTime, Desc: true}}
)

// rowSet is the query behind a drill-down: its conditions, its sort (a
// time key, newest first), the table it fills and how a row is read.
type rowSet struct {
	title  string
	period Period
	from   string // " FROM t x": what is counted
	sel    string // "SELECT ... FROM t x JOIN ...": the row query without WHERE
	w      listing.Where
	order  listing.Order
	table  *Table // columns and empty text; no rows
	// countCap is the count's cap (0: listing.CountCap).
	countCap int
	// scan reads one row: its sort key, id and cells.
	scan func(rows *sql.Rows) (time.Time, int64, []Cell, error)
}

// batch returns up to limit rows after cur (nil: from the first row).
func (s *Service) batch(ctx context.Context, rs *rowSet, cur *listing.Cursor, limit int, each func(key time.Time, id int64, row []Cell) error) (int, error) {
	w := rs.w.Clone()
	rs.order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, rs.sel+w.SQL()+` ORDER BY `+rs.order.OrderBy()+` LIMIT `+w.Arg(limit), w.Args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		key, id, row, err := rs.scan(rows)
		if err != nil {
			return n, err
		}
		n++
		if err := each(key, id, row); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// page returns the page of rs after cursor with its (capped) count.
func (s *Service) page(ctx context.Context, rs *rowSet, cursor string, limit int) (*Drill, error) {
	cur, err := rs.order.Decode(cursor)
	if err != nil {
		return nil, err
	}
	d := &Drill{Title: rs.title, Period: rs.period}
	if d.Total, err = listing.CountUpTo(ctx, s.db, cmp.Or(rs.countCap, listing.CountCap), rs.from+rs.w.SQL(), rs.w.Args...); err != nil {
		return nil, err
	}
	t := *rs.table
	var lastKey time.Time
	var lastID int64
	_, err = s.batch(ctx, rs, cur, limit+1, func(key time.Time, id int64, row []Cell) error {
		if len(t.Rows) == limit {
			d.Next = rs.order.Encode(lastKey, lastID)
			return nil
		}
		lastKey, lastID = key, id
		t.Rows = append(t.Rows, row)
		return nil
	})
	d.Table = &t
	return d, err
}

// exportBatch is the rows an export reads per keyset batch (tests make it
// small to cross batch boundaries).
var exportBatch = listing.ExportBatch

// export writes every row of rs to out, in keyset batches of
// listing.ExportBatch rows, with no row cap; it closes out.
func (s *Service) export(ctx context.Context, rs *rowSet, out listing.Writer) (int, error) {
	header := make([]string, len(rs.table.Cols))
	for i, c := range rs.table.Cols {
		header[i] = c.Label
	}
	return listing.Export(out, header, func(emit func(cells ...any) error) error {
		var cur *listing.Cursor
		for {
			var lastKey time.Time
			var lastID int64
			n, err := s.batch(ctx, rs, cur, exportBatch, func(key time.Time, id int64, row []Cell) error {
				lastKey, lastID = key, id
				cells := make([]any, len(row))
				for i, c := range row {
					cells[i] = c.Value
				}
				return emit(cells...)
			})
			if err != nil || n < exportBatch {
				return err
			}
			cur = &listing.Cursor{Sort: rs.order.Name, Key: lastKey.UTC(), ID: lastID}
		}
	})
}

// count is the exact number of rows of rs (a background export's total).
func (s *Service) count(ctx context.Context, rs *rowSet) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+rs.from+rs.w.SQL(), rs.w.Args...).Scan(&n)
	return n, err
}

// Rows returns a page of the rows behind a sales report figure (f.Set:
// orders by order time, deliveries by delivery time, leads by creation
// time), newest first, under the same scope rules as SalesReport.
func (s *Service) Rows(ctx context.Context, actor *identity.User, f RowsFilter) (*Drill, error) {
	limit, err := listing.CheckLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	rs, err := s.salesRowSet(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	return s.page(ctx, rs, f.Cursor, limit)
}

// salesRowSet is the query behind a sales drill-down.
func (s *Service) salesRowSet(ctx context.Context, actor *identity.User, f RowsFilter) (*rowSet, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if _, ok := DrillSets[f.Set]; !ok {
		return nil, apperr.Field("set", "没有这类明细")
	}
	sc, err := s.loadScope(ctx, actor, f.Filter, identity.RoleSales, identity.RoleAdmin)
	if err != nil {
		return nil, err
	}
	lo, hi, err := monthWindow(sc.Lo, sc.Hi, f.Month)
	if err != nil {
		return nil, err
	}
	rs := &rowSet{title: DrillSets[f.Set], period: sc.period("store")}
	w := &rs.w
	switch f.Set {
	case "orders", "deliveries":
		col := "v.ordered_at"
		if f.Set == "deliveries" {
			col = "v.delivered_at"
			w.And("v.status = 'delivered'")
		} else {
			w.And("v.status <> 'cancelled'")
		}
		w.And(col + " >= " + w.Arg(lo))
		w.And(col + " < " + w.Arg(hi))
		w.And(sc.in("v.store_id", &w.Args))
		if f.UserID == "0" {
			w.And("v.sales_user_id IS NULL")
		} else if f.UserID != "" {
			w.And("v.sales_user_id = " + w.Arg(f.UserID))
		}
		if f.ModelID != 0 {
			w.And("v.model_id = " + w.Arg(f.ModelID))
		}
		rs.order, _ = orderSort.Lookup("")
		rs.order.Key = col
		rs.from = " FROM vehicle_orders v"
		rs.sel = `SELECT v.id, v.code, ` + col + `, v.ordered_at, v.delivered_at, v.status, v.price_fen - v.discount_fen,
			c.name, v.store_id, COALESCE(u.display_name, ''), m.name
			FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id JOIN vehicle_models m ON m.id = v.model_id
			LEFT JOIN users u ON u.id = v.sales_user_id`
		rs.table = &Table{ID: "rows", Cols: []Column{{Label: "订单号"}, {Label: "客户"}, {Label: "门店"}, {Label: "销售顾问"}, {Label: "车型"},
			{Label: "成交额", Num: true}, {Label: "状态"}, {Label: "下单时间", Num: true}, {Label: "交付时间", Num: true}}, Empty: "没有符合条件的订单"}
		rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
			var id, store int64
			var code, status, cust, user, model string
			var key, ordered time.Time
			var delivered sql.NullTime
			var amount int64
			if err := rows.Scan(&id, &code, &key, &ordered, &delivered, &status, &amount, &cust, &store, &user, &model); err != nil {
				return key, id, nil, err
			}
			return key, id, []Cell{text(code).link("/sales/orders/" + strconv.FormatInt(id, 10)), text(cust), text(sc.siteName(store)),
				text(dash(user)), text(model), money(amount), text(sales.OrderStatusLabel(status)), when(ordered), when(delivered.Time)}, nil
		}
		return rs, nil
	}
	// Leads.
	if !f.All {
		w.And("l.created_at >= " + w.Arg(lo))
		w.And("l.created_at < " + w.Arg(hi))
	}
	w.And(sc.in("l.store_id", &w.Args))
	if f.Source != "" {
		w.And("l.source = " + w.Arg(f.Source))
	}
	if f.CampaignID != 0 {
		w.And("l.campaign_id = " + w.Arg(f.CampaignID))
	}
	if f.UserID == "0" {
		w.And("l.sales_user_id IS NULL")
	} else if f.UserID != "" {
		w.And("l.sales_user_id = " + w.Arg(f.UserID))
	}
	// The stage a lead reached from its row of report_lead_facts (migration
	// 00028; the funnel reads the same facts), one lookup per lead instead
	// of joins through its test drives, opportunities and orders.
	stage := map[string]string{"test_drive": "(l.test_drive OR f.td_at IS NOT NULL)", "opportunity": "f.opp_at IS NOT NULL",
		"order": "f.order_at IS NOT NULL", "delivered": "f.deliv_at IS NOT NULL"}[f.Stage]
	from := " FROM leads l"
	if stage != "" {
		from += " JOIN report_lead_facts f ON f.lead_id = l.id"
		w.And(stage)
		if sc.Sites == nil {
			// Every store's leads of a stage are tens of thousands in a
			// quarter on a million customers; the figure drilled from
			// has the exact number.
			rs.countCap = listing.AllStoresCountCap
		}
	}
	rs.order, _ = leadSort.Lookup("")
	rs.from = from
	rs.sel = `SELECT l.id, l.created_at, l.source, l.status, c.name, COALESCE(l.store_id, 0), COALESCE(u.display_name, '')` + from + `
		JOIN customers c ON c.id = l.customer_id LEFT JOIN users u ON u.id = l.sales_user_id`
	rs.table = &Table{ID: "rows", Cols: []Column{{Label: "客户"}, {Label: "来源"}, {Label: "状态"}, {Label: "门店"}, {Label: "销售顾问"}, {Label: "创建时间", Num: true}},
		Empty: "没有符合条件的线索"}
	rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
		var id, store int64
		var created time.Time
		var source, status, cust, user string
		if err := rows.Scan(&id, &created, &source, &status, &cust, &store, &user); err != nil {
			return created, id, nil, err
		}
		return created, id, []Cell{text(cust).link("/sales/leads/" + strconv.FormatInt(id, 10)), text(sales.SourceLabel(source)),
			text(sales.LeadStatusLabel(status)), text(sc.siteName(store)), text(dash(user)), when(created)}, nil
	}
	return rs, nil
}

// monthWindow narrows the period [lo, hi) to month ("2006-01", Shanghai
// time; "" keeps the period), the month a drilled figure belongs to.
func monthWindow(lo, hi time.Time, month string) (time.Time, time.Time, error) {
	if month == "" {
		return lo, hi, nil
	}
	m, err := time.ParseInLocation("2006-01", month, site.Shanghai)
	if err != nil {
		return lo, hi, apperr.Field("month", "月份无效")
	}
	from, to := m.UTC(), m.AddDate(0, 1, 0).UTC()
	if from.After(lo) {
		lo = from
	}
	if to.Before(hi) {
		hi = to
	}
	return lo, hi, nil
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// when is a time cell in Asia/Shanghai ("" for the zero time).
func when(t time.Time) Cell {
	if t.IsZero() {
		return Cell{Text: "—"}
	}
	return Cell{Text: t.In(site.Shanghai).Format("2006-01-02 15:04"), Value: t}
}
