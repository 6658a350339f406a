package workorder

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Sorts are the sorts of the work-order list; the first is the default.
// Each is served by work_orders_site_opened (a center) or
// work_orders_opened (every center).
var Sorts = listing.Orders{
	{Name: "opened_desc", Label: "最近开单", Key: "w.opened_at", ID: "w.id", Kind: listing.KeyTime, Desc: true},
	{Name: "opened_asc", Label: "最早开单", Key: "w.opened_at", ID: "w.id", Kind: listing.KeyTime},
}

// Filter selects work orders for the list, the export and the API.
type Filter struct {
	Status Status // "" for every status
	Kind   Kind   // "" for every kind
	// Query matches the start of the work order number or the plate.
	Query  string
	From   string // opened on or after this local date "2006-01-02"
	To     string // opened on or before this local date
	SiteID int64  // admins: one center; 0 for all (service staff: always their own)
	Sort   string
	Limit  int
	Cursor string
}

// FilterFromQuery reads a Filter from a query string (status, kind, q,
// from, to, site_id, sort, limit, cursor); malformed values are Invalid
// naming the parameter.
func FilterFromQuery(q url.Values) (Filter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{Status: Status(strings.TrimSpace(q.Get("status"))), Kind: Kind(strings.TrimSpace(q.Get("kind"))),
		Query: strings.TrimSpace(q.Get("q")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Sort: strings.TrimSpace(q.Get("sort")), Limit: p.Limit, Cursor: p.Cursor}
	if v := strings.TrimSpace(q.Get("site_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return Filter{}, apperr.Field("site_id", "服务中心参数无效")
		}
		f.SiteID = id
	}
	return f, f.check()
}

func parseDay(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", v, site.Shanghai)
	return t, err == nil
}

func (f Filter) check() error {
	var v apperr.Validator
	if f.Status != "" {
		_, ok := ParseStatus(string(f.Status))
		v.Check(ok, "status", "请选择有效的状态")
	}
	if f.Kind != "" {
		_, ok := parseKind(string(f.Kind))
		v.Check(ok, "kind", "请选择有效的工单类型")
	}
	v.Check(utf8.RuneCountInString(f.Query) <= 32, "q", "搜索内容不能超过 32 个字")
	var from, to time.Time
	if f.From != "" {
		var ok bool
		from, ok = parseDay(f.From)
		v.Check(ok, "from", "请输入有效日期，例如 2026-11-01")
	}
	if f.To != "" {
		var ok bool
		to, ok = parseDay(f.To)
		v.Check(ok, "to", "请输入有效日期，例如 2026-11-30")
	}
	v.Check(from.IsZero() || to.IsZero() || !to.Before(from), "to", "结束日期不能早于开始日期")
	if _, err := Sorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

// where builds the filter's conditions for actor.
func (f Filter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	if actor.Is(identity.RoleService) {
		w.And("w.site_id = " + w.Arg(actor.SiteID))
	} else if f.SiteID != 0 {
		w.And("w.site_id = " + w.Arg(f.SiteID))
	}
	if f.Status != "" {
		w.And("w.status = " + w.Arg(string(f.Status)))
	}
	if f.Kind != "" {
		w.And("w.kind = " + w.Arg(string(f.Kind)))
	}
	if q := strings.ToUpper(f.Query); q != "" {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		p := r.Replace(q) + "%"
		w.And("(w.code LIKE " + w.Arg(p) + ` ESCAPE '\' OR w.vehicle_id IN (SELECT id FROM vehicles WHERE plate LIKE ` + w.Arg(p) + ` ESCAPE '\'))`)
	}
	if t, ok := parseDay(f.From); ok {
		w.And("w.opened_at >= " + w.Arg(t.UTC()))
	}
	if t, ok := parseDay(f.To); ok {
		w.And("w.opened_at < " + w.Arg(t.AddDate(0, 0, 1).UTC()))
	}
	return &w
}

func canList(actor *identity.User) error {
	if !actor.Is(identity.RoleService, identity.RoleAdmin) || actor.Is(identity.RoleService) && actor.SiteID == 0 {
		return errNotStaff
	}
	return nil
}

// List returns one page of the work orders that match f — the acting
// service user's center's only; an admin's of every center or of f.SiteID —
// and how many match (exact up to listing.CountCap). Lines are not loaded.
// Other roles are Forbidden; a bad filter, sort, limit or cursor is Invalid
// naming the parameter.
func (s *Service) List(ctx context.Context, actor *identity.User, f Filter) (listing.Page[*WorkOrder], listing.Total, error) {
	var page listing.Page[*WorkOrder]
	if err := identity.Require(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := canList(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := Sorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, "FROM work_orders w"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	list, err := s.page(ctx, w, order, cur, limit+1)
	if err != nil {
		return page, listing.Total{}, err
	}
	for _, x := range list {
		mask(actor, x)
	}
	return listing.NewPage(list, limit, func(x *WorkOrder) string { return order.Encode(x.OpenedAt, x.ID) }), total, nil
}

func (s *Service) page(ctx context.Context, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*WorkOrder, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+woColumns+woFrom+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WorkOrder
	for rows.Next() {
		x, err := scanWO(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ExportHeader is the header row of Export.
var ExportHeader = []string{"工单号", "状态", "类型", "服务中心", "车辆", "车牌", "客户", "手机号", "主修技师", "工位", "进厂里程(km)",
	"客户描述", "诊断", "故障码", "工时费", "材料费", "车主应付", "质保承担", "开单时间", "完工时间", "交车时间"}

// Export writes every work order that matches f (Limit and Cursor
// ignored) to w in f's sort, with mobiles masked, reading keyset pages of
// listing.ExportBatch; it returns the rows written. More than
// listing.BackgroundThreshold matches is Invalid (narrow the filter). The
// export is audited (export_work_orders). Permissions as for List.
func (s *Service) Export(ctx context.Context, actor *identity.User, f Filter, out listing.Writer) (n int, err error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if err := canList(actor); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := Sorts.Lookup(f.Sort)
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, "FROM work_orders w"+w.SQL(), w.Args...)
	if err != nil {
		return 0, err
	}
	if total.Capped || total.N > listing.BackgroundThreshold {
		return 0, apperr.New(apperr.Invalid, fmt.Sprintf("符合条件的工单超过 %s 条，请缩小日期范围或增加筛选条件后再导出", listing.Thousands(listing.BackgroundThreshold)))
	}
	defer func() {
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: actor.ID, Action: "export_work_orders", Entity: "work_orders",
			Detail: map[string]any{"rows": n, "completed": err == nil, "status": f.Status, "kind": f.Kind, "q": f.Query, "from": f.From, "to": f.To}})
		if err == nil {
			err = aerr
		}
	}()
	return listing.Export(out, ExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			list, err := s.page(ctx, w, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, x := range list {
				var completed, closed any
				if x.CompletedAt != nil {
					completed = *x.CompletedAt
				}
				if x.ClosedAt != nil {
					closed = *x.ClosedAt
				}
				if err := emit(x.Code, x.Status.Label(), x.Kind.Label(), x.SiteName, x.VehicleName, x.Plate, x.CustomerName,
					identity.MaskMobile(x.CustomerMobile), x.TechnicianName, x.Bay, x.MileageKM, x.Complaint, x.Diagnosis, x.FaultCodes,
					listing.Fen(x.LabourFen), listing.Fen(x.PartsFen), listing.Fen(x.TotalFen), listing.Fen(x.WarrantyFen),
					x.OpenedAt, completed, closed); err != nil {
					return err
				}
			}
			if len(list) < listing.ExportBatch {
				return nil
			}
			last := list[len(list)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: last.OpenedAt, ID: last.ID}
		}
	})
}

// VehicleHistory returns every work order of vehicle vehicleID with its
// lines, newest first (at most 200): for an owner, their own car's, without
// cancelled ones; for service staff and admins, every center's (the
// history follows the car; opening another center's work order itself is
// still NotFound). An owner asking for another's car gets NotFound; other
// roles are Forbidden.
func (s *Service) VehicleHistory(ctx context.Context, actor *identity.User, vehicleID int64) ([]*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner, identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	var owner int64
	err := s.db.QueryRowContext(ctx, `SELECT customer_id FROM vehicles WHERE id = $1`, vehicleID).Scan(&owner)
	if db.NoRows(err) || err == nil && actor.Is(identity.RoleOwner) && owner != actor.CustomerID {
		return nil, apperr.New(apperr.NotFound, "车辆不存在")
	}
	if err != nil {
		return nil, err
	}
	where := ` WHERE w.vehicle_id = $1`
	if actor.Is(identity.RoleOwner) {
		where += ` AND w.status <> 'cancelled'`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+woColumns+woFrom+where+` ORDER BY w.opened_at DESC, w.id DESC LIMIT 200`, vehicleID)
	if err != nil {
		return nil, err
	}
	var out []*WorkOrder
	for rows.Next() {
		x, err := scanWO(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range out {
		if err := s.loadLines(ctx, s.db, x); err != nil {
			return nil, err
		}
		mask(actor, x)
	}
	return out, nil
}

// CanOpen reports whether actor may open work order x itself (not only see
// it in a vehicle's history).
func CanOpen(actor *identity.User, x *WorkOrder) bool { return canSee(actor, x) }
