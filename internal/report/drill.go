package report

import (
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

// Rows returns a page of the rows behind a sales report figure (f.Set:
// orders by order time, deliveries by delivery time, leads by creation
// time), newest first, under the same scope rules as SalesReport.
func (s *Service) Rows(ctx context.Context, actor *identity.User, f RowsFilter) (*Drill, error) {
	sc, err := s.loadScope(ctx, actor, f.Filter, identity.RoleSales, identity.RoleAdmin)
	if err != nil {
		return nil, err
	}
	limit, err := listing.CheckLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	lo, hi := sc.Lo, sc.Hi
	if f.Month != "" {
		m, _ := time.ParseInLocation("2006-01", f.Month, site.Shanghai)
		lo, hi = later(lo, m.UTC()), earlier(hi, m.AddDate(0, 1, 0).UTC())
	}
	d := &Drill{Title: DrillSets[f.Set], Period: sc.period("store")}
	var w listing.Where
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
		order, _ := orderSort.Lookup("")
		order.Key = col
		cur, err := order.Decode(f.Cursor)
		if err != nil {
			return nil, err
		}
		from := " FROM vehicle_orders v"
		if d.Total, err = listing.Count(ctx, s.db, from+w.SQL(), w.Args...); err != nil {
			return nil, err
		}
		order.After(&w, cur)
		rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.code, `+col+`, v.ordered_at, v.delivered_at, v.status, v.price_fen - v.discount_fen,
			c.name, v.store_id, COALESCE(u.display_name, ''), m.name
			FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id JOIN vehicle_models m ON m.id = v.model_id
			LEFT JOIN users u ON u.id = v.sales_user_id`+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		t := &Table{ID: "rows", Cols: []Column{{Label: "订单号"}, {Label: "客户"}, {Label: "门店"}, {Label: "销售顾问"}, {Label: "车型"},
			{Label: "成交额", Num: true}, {Label: "状态"}, {Label: "下单时间", Num: true}, {Label: "交付时间", Num: true}}, Empty: "没有符合条件的订单"}
		var lastKey time.Time
		var lastID int64
		n := 0
		for rows.Next() {
			var id, store int64
			var code, status, cust, user, model string
			var key, ordered time.Time
			var delivered sql.NullTime
			var amount int64
			if err := rows.Scan(&id, &code, &key, &ordered, &delivered, &status, &amount, &cust, &store, &user, &model); err != nil {
				return nil, err
			}
			n++
			if n > limit {
				d.Next = order.Encode(lastKey, lastID)
				break
			}
			lastKey, lastID = key, id
			t.Rows = append(t.Rows, []Cell{text(code).link("/sales/orders/" + strconv.FormatInt(id, 10)), text(cust), text(sc.siteName(store)),
				text(dash(user)), text(model), money(amount), text(sales.OrderStatusLabel(status)), when(ordered), when(delivered.Time)})
		}
		d.Table = t
		return d, rows.Err()
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
	switch f.Stage {
	case "test_drive":
		w.And("(l.test_drive OR EXISTS (SELECT 1 FROM test_drives td WHERE td.lead_id = l.id AND td.status = 'done'))")
	case "opportunity":
		w.And("EXISTS (SELECT 1 FROM opportunities o WHERE o.lead_id = l.id)")
	case "order":
		w.And("EXISTS (SELECT 1 FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = l.id AND v.status <> 'cancelled')")
	case "delivered":
		w.And("EXISTS (SELECT 1 FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = l.id AND v.status = 'delivered')")
	}
	order, _ := leadSort.Lookup("")
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return nil, err
	}
	if d.Total, err = listing.Count(ctx, s.db, " FROM leads l"+w.SQL(), w.Args...); err != nil {
		return nil, err
	}
	order.After(&w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT l.id, l.created_at, l.source, l.status, c.name, COALESCE(l.store_id, 0), COALESCE(u.display_name, '')
		FROM leads l JOIN customers c ON c.id = l.customer_id LEFT JOIN users u ON u.id = l.sales_user_id`+w.SQL()+
		` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &Table{ID: "rows", Cols: []Column{{Label: "客户"}, {Label: "来源"}, {Label: "状态"}, {Label: "门店"}, {Label: "销售顾问"}, {Label: "创建时间", Num: true}},
		Empty: "没有符合条件的线索"}
	var lastKey time.Time
	var lastID int64
	n := 0
	for rows.Next() {
		var id, store int64
		var created time.Time
		var source, status, cust, user string
		if err := rows.Scan(&id, &created, &source, &status, &cust, &store, &user); err != nil {
			return nil, err
		}
		n++
		if n > limit {
			d.Next = order.Encode(lastKey, lastID)
			break
		}
		lastKey, lastID = created, id
		t.Rows = append(t.Rows, []Cell{text(cust).link("/sales/leads/" + strconv.FormatInt(id, 10)), text(sales.SourceLabel(source)),
			text(sales.LeadStatusLabel(status)), text(sc.siteName(store)), text(dash(user)), when(created)})
	}
	d.Table = t
	return d, rows.Err()
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
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
