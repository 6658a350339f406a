package inventory

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// StockRow is the stock of one part at one location.
type StockRow struct {
	SiteID       int64     `json:"site_id"`
	SiteName     string    `json:"site_name"`
	SiteKind     string    `json:"site_kind"`
	PartID       int64     `json:"part_id"`
	SKU          string    `json:"sku"`
	PartName     string    `json:"part_name"`
	Category     string    `json:"category"`
	Unit         string    `json:"unit"`
	Quantity     int       `json:"quantity"`
	ReorderLevel int       `json:"reorder_level"`
	AvgCostFen   int64     `json:"avg_cost_fen"`
	ValueFen     int64     `json:"value_fen"`
	PriceFen     int64     `json:"price_fen"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Low reports whether the stock is at or below its reorder point.
func (r *StockRow) Low() bool { return r.Quantity <= r.ReorderLevel }

// StockSorts are the stock list's sorts (by location, then part).
var StockSorts = listing.Orders{
	{Name: "site", Label: "按地点", Key: "ps.site_id", ID: "ps.part_id", Kind: listing.KeyInt},
}

// MaxQueryLen bounds search text (runes).
const MaxQueryLen = 32

// StockFilter selects stock rows. The zero value lists every row the actor
// reaches.
type StockFilter struct {
	SiteID   int64  // 0 for every location the actor reaches
	PartID   int64  // 0 for every part
	Query    string // part number prefix or part name fragment
	Category string
	Low      bool // only rows at or below their reorder point
	Sort     string
	Limit    int
	Cursor   string
}

// StockFilterFromQuery reads site_id, part_id, q, category, low (1/true),
// sort, limit and cursor; malformed values are apperr.Invalid naming them.
func StockFilterFromQuery(q url.Values) (StockFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return StockFilter{}, err
	}
	f := StockFilter{Query: strings.TrimSpace(q.Get("q")), Category: strings.TrimSpace(q.Get("category")),
		Sort: strings.TrimSpace(q.Get("sort")), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	f.SiteID = parseID(&v, q, "site_id", "地点参数无效")
	f.PartID = parseID(&v, q, "part_id", "备件参数无效")
	switch strings.TrimSpace(q.Get("low")) {
	case "", "0", "false":
	case "1", "true":
		f.Low = true
	default:
		v.Check(false, "low", "低库存参数无效")
	}
	if err := v.Err(); err != nil {
		return StockFilter{}, err
	}
	return f, f.check()
}

func parseID(v *apperr.Validator, q url.Values, name, msg string) int64 {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	v.Check(err == nil && id > 0, name, msg)
	return id
}

func (f StockFilter) check() error {
	var v apperr.Validator
	v.Check(len([]rune(f.Query)) <= MaxQueryLen, "q", "搜索内容不能超过 32 个字")
	v.Check(len([]rune(f.Category)) <= MaxQueryLen, "category", "分类参数无效")
	v.Check(f.SiteID >= 0, "site_id", "地点参数无效")
	v.Check(f.PartID >= 0, "part_id", "备件参数无效")
	if _, err := StockSorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

// Query returns the filter as URL parameters (without limit and cursor),
// for links and the export.
func (f StockFilter) Values() url.Values {
	v := url.Values{}
	if f.SiteID > 0 {
		v.Set("site_id", strconv.FormatInt(f.SiteID, 10))
	}
	if f.PartID > 0 {
		v.Set("part_id", strconv.FormatInt(f.PartID, 10))
	}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	if f.Low {
		v.Set("low", "1")
	}
	return v
}

const stockFrom = ` FROM part_stock ps JOIN parts p ON p.id = ps.part_id JOIN sites s ON s.id = ps.site_id`

const stockColumns = `SELECT ps.site_id, s.name, s.kind, ps.part_id, p.sku, p.name, p.category, p.unit, ps.quantity,
	ps.reorder_level, ps.avg_cost_fen, p.price_fen, ps.updated_at`

func scanStock(r scanner) (*StockRow, error) {
	var x StockRow
	if err := r.Scan(&x.SiteID, &x.SiteName, &x.SiteKind, &x.PartID, &x.SKU, &x.PartName, &x.Category, &x.Unit,
		&x.Quantity, &x.ReorderLevel, &x.AvgCostFen, &x.PriceFen, &x.UpdatedAt); err != nil {
		return nil, err
	}
	x.UpdatedAt = x.UpdatedAt.UTC()
	x.ValueFen = int64(x.Quantity) * x.AvgCostFen
	return &x, nil
}

// where builds the stock filter's conditions for actor (the location must
// be reachable: checked by the caller).
func (f StockFilter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	if f.SiteID > 0 {
		w.And("ps.site_id = " + w.Arg(f.SiteID))
	} else if sc := scopeSQL(actor, "ps.site_id", w.Arg); sc != "" {
		w.And(sc)
	}
	if f.PartID > 0 {
		w.And("ps.part_id = " + w.Arg(f.PartID))
	}
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		w.And("(LOWER(p.sku) LIKE " + w.Arg(escapeLike(strings.ToLower(f.Query))+"%") + ` ESCAPE '\' OR LOWER(p.name) LIKE ` + w.Arg(like) + ` ESCAPE '\')`)
	}
	if f.Category != "" {
		w.And("p.category = " + w.Arg(f.Category))
	}
	if f.Low {
		w.And("ps.quantity <= ps.reorder_level")
	}
	return &w
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// StockSummary is the count and value of the rows a stock filter matches.
type StockSummary struct {
	Total    listing.Total
	Units    int64 // units on hand
	ValueFen int64 // at moving-average cost
	Low      int   // rows at or below their reorder point
}

// ListStock returns one page of the stock rows that match f, with the
// count and valuation of all of them.
//
// Service staff (their locations) and admins may call it; owners and sales
// get apperr.Forbidden; SiteID of a location the actor does not reach is
// apperr.NotFound; a bad filter is apperr.Invalid naming the field.
func (s *Service) ListStock(ctx context.Context, actor *identity.User, f StockFilter) (listing.Page[*StockRow], StockSummary, error) {
	var page listing.Page[*StockRow]
	var sum StockSummary
	if err := staffOnly(actor); err != nil {
		return page, sum, err
	}
	if err := f.check(); err != nil {
		return page, sum, err
	}
	if f.SiteID > 0 {
		if _, err := location(ctx, s.db, actor, f.SiteID); err != nil {
			return page, sum, err
		}
	}
	order, _ := StockSorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, sum, err
	}
	w := f.where(actor)
	if sum.Total, err = listing.Count(ctx, s.db, stockFrom+w.SQL(), w.Args...); err != nil {
		return page, sum, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(ps.quantity), 0), COALESCE(SUM(ps.quantity * ps.avg_cost_fen), 0),
		COALESCE(SUM(CASE WHEN ps.quantity <= ps.reorder_level THEN 1 ELSE 0 END), 0)`+stockFrom+w.SQL(), w.Args...).
		Scan(&sum.Units, &sum.ValueFen, &sum.Low); err != nil {
		return page, sum, err
	}
	w2 := w.Clone()
	order.After(w2, cur)
	rows, err := s.db.QueryContext(ctx, stockColumns+stockFrom+w2.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w2.Arg(limit+1), w2.Args...)
	if err != nil {
		return page, sum, err
	}
	defer rows.Close()
	var out []*StockRow
	for rows.Next() {
		x, err := scanStock(rows)
		if err != nil {
			return page, sum, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return page, sum, err
	}
	return listing.NewPage(out, limit, func(x *StockRow) string { return order.Encode(x.SiteID, x.PartID) }), sum, nil
}

// StockExportHeader is the header row of ExportStock.
var StockExportHeader = []string{"地点", "备件编号", "备件名称", "分类", "单位", "库存", "补货点", "移动平均成本", "库存金额", "是否低库存", "更新时间"}

// ExportStock writes every stock row matching f (Limit and Cursor ignored)
// to w and closes it; it returns the rows written. Callers and errors as
// for ListStock. The export is audited.
func (s *Service) ExportStock(ctx context.Context, actor *identity.User, f StockFilter, w listing.Writer) (int, error) {
	f.Limit, f.Cursor = listing.MaxLimit, ""
	if _, _, err := s.ListStock(ctx, actor, StockFilter{SiteID: f.SiteID, Query: f.Query, Category: f.Category, Low: f.Low, PartID: f.PartID, Limit: 1}); err != nil {
		return 0, err
	}
	n, err := listing.Export(w, StockExportHeader, func(emit func(cells ...any) error) error {
		for {
			page, _, err := s.ListStock(ctx, actor, f)
			if err != nil {
				return err
			}
			for _, x := range page.Items {
				low := ""
				if x.Low() {
					low = "是"
				}
				if err := emit(x.SiteName, x.SKU, x.PartName, x.Category, x.Unit, x.Quantity, x.ReorderLevel,
					listing.Fen(x.AvgCostFen), listing.Fen(x.ValueFen), low, x.UpdatedAt); err != nil {
					return err
				}
			}
			if !page.HasNext() {
				return nil
			}
			f.Cursor = page.NextCursor
		}
	})
	if err != nil {
		return n, err
	}
	return n, recordAudit(ctx, s.db, actor, s.now(), "export_stock", "part_stock", 0,
		map[string]any{"filter": f.Values().Encode(), "rows": n})
}

// MovementFilter selects ledger lines, newest first.
type MovementFilter struct {
	SiteID      int64
	PartID      int64
	Kind        MoveKind
	WorkOrderID int64
	From, To    string // local dates "2006-01-02", inclusive; "" for open
	Limit       int
	Cursor      string
}

var movementOrder = listing.Order{Name: "newest", Label: "最新在前", Key: "m.id", ID: "m.id", Kind: listing.KeyInt, Desc: true}

// MovementFilterFromQuery reads site_id, part_id, kind, work_order_id,
// from, to, limit and cursor; malformed values are apperr.Invalid.
func MovementFilterFromQuery(q url.Values) (MovementFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return MovementFilter{}, err
	}
	f := MovementFilter{Kind: MoveKind(strings.TrimSpace(q.Get("kind"))), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	f.SiteID = parseID(&v, q, "site_id", "地点参数无效")
	f.PartID = parseID(&v, q, "part_id", "备件参数无效")
	f.WorkOrderID = parseID(&v, q, "work_order_id", "工单参数无效")
	if err := v.Err(); err != nil {
		return MovementFilter{}, err
	}
	return f, f.check()
}

func (f MovementFilter) check() error {
	var v apperr.Validator
	v.Check(f.Kind == "" || f.Kind.Valid(), "kind", "请选择有效的流水类型")
	_, err := day(f.From)
	v.Check(err == nil, "from", "开始日期格式应为 年-月-日")
	_, err = day(f.To)
	v.Check(err == nil, "to", "结束日期格式应为 年-月-日")
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

// Values returns the filter as URL parameters (without limit and cursor).
func (f MovementFilter) Values() url.Values {
	v := url.Values{}
	if f.SiteID > 0 {
		v.Set("site_id", strconv.FormatInt(f.SiteID, 10))
	}
	if f.PartID > 0 {
		v.Set("part_id", strconv.FormatInt(f.PartID, 10))
	}
	if f.Kind != "" {
		v.Set("kind", string(f.Kind))
	}
	if f.WorkOrderID > 0 {
		v.Set("work_order_id", strconv.FormatInt(f.WorkOrderID, 10))
	}
	if f.From != "" {
		v.Set("from", f.From)
	}
	if f.To != "" {
		v.Set("to", f.To)
	}
	return v
}

// day parses a local date; "" is the zero time.
func day(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation("2006-01-02", s, shanghai)
}

func (f MovementFilter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	if f.SiteID > 0 {
		w.And("m.site_id = " + w.Arg(f.SiteID))
	} else if sc := scopeSQL(actor, "m.site_id", w.Arg); sc != "" {
		w.And(sc)
	}
	if f.PartID > 0 {
		w.And("m.part_id = " + w.Arg(f.PartID))
	}
	if f.Kind != "" {
		w.And("m.kind = " + w.Arg(string(f.Kind)))
	}
	if f.WorkOrderID > 0 {
		w.And("m.work_order_id = " + w.Arg(f.WorkOrderID))
	}
	if t, _ := day(f.From); !t.IsZero() {
		w.And("m.created_at >= " + w.Arg(t.UTC()))
	}
	if t, _ := day(f.To); !t.IsZero() {
		w.And("m.created_at < " + w.Arg(t.AddDate(0, 0, 1).UTC()))
	}
	return &w
}

const movementFrom = ` FROM stock_movements m JOIN parts p ON p.id = m.part_id JOIN sites s ON s.id = m.site_id
	LEFT JOIN users u ON u.id = m.user_id`

const movementColumns = `SELECT m.id, m.site_id, s.name, m.part_id, p.sku, p.name, p.unit, m.kind, m.quantity,
	m.balance_after, m.unit_cost_fen, COALESCE(m.work_order_id, 0), COALESCE(m.transfer_id, 0), m.reference, m.reason,
	COALESCE(m.user_id, 0), COALESCE(u.display_name, ''), m.created_at`

func scanMovement(r scanner) (*Movement, error) {
	var m Movement
	if err := r.Scan(&m.ID, &m.SiteID, &m.SiteName, &m.PartID, &m.SKU, &m.PartName, &m.Unit, &m.Kind, &m.Quantity,
		&m.BalanceAfter, &m.UnitCostFen, &m.WorkOrderID, &m.TransferID, &m.Reference, &m.Reason, &m.UserID,
		&m.UserName, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	m.KindLabel = m.Kind.Label()
	if m.UserName == "" {
		m.UserName = "系统"
	}
	return &m, nil
}

// ListMovements returns one page of the ledger lines matching f, newest
// first, and their count. Callers and errors as for ListStock.
func (s *Service) ListMovements(ctx context.Context, actor *identity.User, f MovementFilter) (listing.Page[*Movement], listing.Total, error) {
	var page listing.Page[*Movement]
	if err := staffOnly(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	if f.SiteID > 0 {
		if _, err := location(ctx, s.db, actor, f.SiteID); err != nil {
			return page, listing.Total{}, err
		}
	}
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := movementOrder.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, ` FROM stock_movements m`+w.SQL(), w.Args...)
	if err != nil {
		return page, total, err
	}
	w2 := w.Clone()
	movementOrder.After(w2, cur)
	rows, err := s.db.QueryContext(ctx, movementColumns+movementFrom+w2.SQL()+` ORDER BY `+movementOrder.OrderBy()+` LIMIT `+w2.Arg(limit+1), w2.Args...)
	if err != nil {
		return page, total, err
	}
	defer rows.Close()
	var out []*Movement
	for rows.Next() {
		m, err := scanMovement(rows)
		if err != nil {
			return page, total, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return page, total, err
	}
	return listing.NewPage(out, limit, func(m *Movement) string { return movementOrder.Encode(m.ID, m.ID) }), total, nil
}

// MovementExportHeader is the header row of ExportMovements.
var MovementExportHeader = []string{"流水号", "时间", "地点", "备件编号", "备件名称", "类型", "数量", "结存", "单位成本", "单据", "原因", "经办人"}

// ExportMovements writes every ledger line matching f to w and closes it.
// Callers and errors as for ListMovements; the export is audited.
func (s *Service) ExportMovements(ctx context.Context, actor *identity.User, f MovementFilter, w listing.Writer) (int, error) {
	f.Limit, f.Cursor = listing.MaxLimit, ""
	if _, _, err := s.ListMovements(ctx, actor, MovementFilter{SiteID: f.SiteID, Limit: 1}); err != nil {
		return 0, err
	}
	n, err := listing.Export(w, MovementExportHeader, func(emit func(cells ...any) error) error {
		for {
			page, _, err := s.ListMovements(ctx, actor, f)
			if err != nil {
				return err
			}
			for _, m := range page.Items {
				if err := emit(m.ID, m.CreatedAt, m.SiteName, m.SKU, m.PartName, m.KindLabel, m.Quantity, m.BalanceAfter,
					listing.Fen(m.UnitCostFen), m.Reference, m.Reason, m.UserName); err != nil {
					return err
				}
			}
			if !page.HasNext() {
				return nil
			}
			f.Cursor = page.NextCursor
		}
	})
	if err != nil {
		return n, err
	}
	return n, recordAudit(ctx, s.db, actor, s.now(), "export_stock_movements", "stock_movements", 0,
		map[string]any{"filter": f.Values().Encode(), "rows": n})
}
