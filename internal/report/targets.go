package report

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Monthly sales targets (table sales_targets, owned by this package): a
// store's target for a month (user_id NULL) and each consultant's. Admins
// set them; the 目标达成 report sets them against the actual figures.

// Target is one month's target of a store or a consultant.
type Target struct {
	StoreID    int64
	UserID     int64 // 0: the store's own target
	Name       string
	Orders     int
	Deliveries int
	RevenueFen int64
}

// TargetSheet is the targets of one store for one month: the store's row
// first, then its consultants'.
type TargetSheet struct {
	Month     string
	StoreID   int64
	StoreName string
	Stores    []Option
	Rows      []*Target
}

// parseMonth checks a "2026-03" month; "" is the current local month.
func (s *Service) parseMonth(m string) (string, error) {
	if m == "" {
		return s.now().In(site.Shanghai).Format("2006-01"), nil
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		return "", apperr.Field("month", "请选择有效的月份，例如 2026-03")
	}
	return m, nil
}

// Targets returns the target sheet of store storeID (0: the first store)
// for month ("" the current month). Admins only (Forbidden otherwise); a
// bad month or store is Invalid.
func (s *Service) Targets(ctx context.Context, actor *identity.User, month string, storeID int64) (*TargetSheet, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以设置销售目标")
	}
	m, err := s.parseMonth(month)
	if err != nil {
		return nil, err
	}
	sh := &TargetSheet{Month: m}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM sites WHERE kind = 'store' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o Option
		var id int64
		if err := rows.Scan(&id, &o.Label); err != nil {
			rows.Close()
			return nil, err
		}
		o.Value = strconv.FormatInt(id, 10)
		sh.Stores = append(sh.Stores, o)
		if storeID == 0 && sh.StoreID == 0 || id == storeID {
			sh.StoreID, sh.StoreName = id, o.Label
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if sh.StoreID == 0 {
		if storeID != 0 {
			return nil, apperr.Field("store_id", "门店不存在")
		}
		return sh, nil
	}
	sh.Rows = append(sh.Rows, &Target{StoreID: sh.StoreID, Name: sh.StoreName + "（门店目标）"})
	urows, err := s.db.QueryContext(ctx, `SELECT id, display_name FROM users WHERE role = 'sales' AND site_id = $1 AND active ORDER BY display_name, id`, sh.StoreID)
	if err != nil {
		return nil, err
	}
	for urows.Next() {
		t := &Target{StoreID: sh.StoreID}
		if err := urows.Scan(&t.UserID, &t.Name); err != nil {
			urows.Close()
			return nil, err
		}
		sh.Rows = append(sh.Rows, t)
	}
	urows.Close()
	if err := urows.Err(); err != nil {
		return nil, err
	}
	set, err := s.targetRows(ctx, m, []int64{sh.StoreID})
	if err != nil {
		return nil, err
	}
	for _, t := range sh.Rows {
		if x := set[targetKey{t.StoreID, t.UserID}]; x != nil {
			t.Orders, t.Deliveries, t.RevenueFen = x.Orders, x.Deliveries, x.RevenueFen
		}
	}
	return sh, nil
}

type targetKey struct{ store, user int64 }

// targetRows loads the targets of month for stores (nil: all).
func (s *Service) targetRows(ctx context.Context, month string, stores []int64) (map[targetKey]*Target, error) {
	args := []any{month}
	where := "1 = 1"
	if stores != nil {
		sc := &scope{Sites: stores}
		where = sc.in("store_id", &args)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT store_id, COALESCE(user_id, 0), orders, deliveries, revenue_fen FROM sales_targets WHERE month = $1 AND `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[targetKey]*Target{}
	for rows.Next() {
		t := &Target{}
		if err := rows.Scan(&t.StoreID, &t.UserID, &t.Orders, &t.Deliveries, &t.RevenueFen); err != nil {
			return nil, err
		}
		out[targetKey{t.StoreID, t.UserID}] = t
	}
	return out, rows.Err()
}

// TargetInput is one row of a submitted target sheet: amounts as typed
// (whole numbers; revenue in yuan).
type TargetInput struct {
	UserID     int64
	Orders     string
	Deliveries string
	Revenue    string
}

// SetTargets saves the targets of store storeID for month: one row for the
// store (UserID 0) and one per consultant of the store; an all-empty row
// removes that target. Admins only. A value that is not a whole number of
// at most 100,000 (revenue: yuan, at most 10 亿) is Invalid naming the
// field "orders_<user>", "deliveries_<user>" or "revenue_<user>"; nothing is
// saved then. A consultant of another store is Invalid.
func (s *Service) SetTargets(ctx context.Context, actor *identity.User, month string, storeID int64, in []TargetInput) error {
	sh, err := s.Targets(ctx, actor, month, storeID)
	if err != nil {
		return err
	}
	if sh.StoreID != storeID {
		return apperr.Field("store_id", "门店不存在")
	}
	var v apperr.Validator
	type row struct {
		user          int64
		orders, deliv int
		revenue       int64
		remove        bool
	}
	var out []row
	for _, x := range in {
		if x.UserID != 0 && !slices.ContainsFunc(sh.Rows, func(t *Target) bool { return t.UserID == x.UserID }) {
			v.Check(false, "user_"+strconv.FormatInt(x.UserID, 10), "该顾问不属于这家门店")
			continue
		}
		key := strconv.FormatInt(x.UserID, 10)
		num := func(field, s string, maxN int64) int64 {
			s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(s, 10, 64)
			v.Check(err == nil && n >= 0 && n <= maxN, field+"_"+key, "请输入 0 到 "+strconv.FormatInt(maxN, 10)+" 之间的整数")
			return n
		}
		r := row{user: x.UserID, orders: int(num("orders", x.Orders, 100000)), deliv: int(num("deliveries", x.Deliveries, 100000)),
			revenue: num("revenue", x.Revenue, 1000000000) * 100}
		r.remove = strings.TrimSpace(x.Orders+x.Deliveries+x.Revenue) == ""
		out = append(out, r)
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, r := range out {
			userCond, args := "user_id IS NULL", []any{sh.Month, storeID}
			var user any
			if r.user != 0 {
				userCond, args, user = "user_id = $3", append(args, r.user), r.user
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sales_targets WHERE month = $1 AND store_id = $2 AND `+userCond, args...); err != nil {
				return err
			}
			if r.remove {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO sales_targets (month, store_id, user_id, orders, deliveries, revenue_fen, set_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sh.Month, storeID, user, r.orders, r.deliv, r.revenue, actor.ID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Targets definitions.
const (
	TipTarget      = "管理员为该月设置的目标"
	TipAchievement = "实际 ÷ 目标；实际的口径同销售业绩（订单按下单时间、交付与成交额按交付时间，北京时间自然月）"
)

// targetsReport sets each month's targets of the stores (and, grouped by
// consultant, of the consultants) in scope against the actual figures.
func (s *Service) targetsReport(ctx context.Context, sc *scope, r *Report) error {
	byUser := sc.By == "consultant"
	t := &Table{ID: "targets", Title: "月度目标达成", Tip: TipAchievement,
		Cols: []Column{{Label: "月份"}, {Label: "门店"}, {Label: "目标订单", Tip: TipTarget, Num: true}, {Label: "实际订单", Tip: TipOrders, Num: true},
			{Label: "订单达成率", Tip: TipAchievement, Num: true}, {Label: "目标交付", Tip: TipTarget, Num: true}, {Label: "实际交付", Tip: TipDeliveries, Num: true},
			{Label: "交付达成率", Tip: TipAchievement, Num: true}, {Label: "目标成交额", Tip: TipTarget, Num: true}, {Label: "实际成交额", Tip: TipRevenue, Num: true},
			{Label: "成交额达成率", Tip: TipAchievement, Num: true}},
		Empty: "统计区间内的月份还没有设置目标" + map[bool]string{true: "（管理员在“销售目标”页设置）", false: ""}[sc.actor.Is(identity.RoleAdmin)]}
	if byUser {
		t.Cols = slices.Insert(t.Cols, 2, Column{Label: "销售顾问"})
	}
	ch := &chart{Type: "bar", Unit: "%", Series: []chartSeries{{Name: "订单达成率"}, {Name: "交付达成率"}}}
	for _, m := range sc.Months() {
		targets, err := s.targetRows(ctx, m, sc.Sites)
		if err != nil {
			return err
		}
		// Actual figures of the whole month (targets are monthly).
		mt, _ := time.ParseInLocation("2006-01", m, site.Shanghai)
		msc := *sc
		msc.From, msc.To = mt, mt.AddDate(0, 1, -1)
		msc.Lo, msc.Hi = mt.UTC(), mt.AddDate(0, 1, 0).UTC()
		msc.Filter.From, msc.Filter.To = mt.Format("2006-01-02"), mt.AddDate(0, 1, -1).Format("2006-01-02")
		months, err := s.salesMonths(ctx, &msc)
		if err != nil {
			return err
		}
		actual := map[targetKey]*perfRow{}
		for k, x := range months {
			actual[k.targetKey] = x // one month
		}
		var keys []targetKey
		for k := range targets {
			if (k.user != 0) == byUser {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b targetKey) int {
			if a.store != b.store {
				return int(a.store - b.store)
			}
			return int(a.user - b.user)
		})
		var names map[int64]string
		if byUser {
			var ids []int64
			for _, k := range keys {
				ids = append(ids, k.user)
			}
			if names, err = s.names(ctx, "users", ids); err != nil {
				return err
			}
		}
		for _, k := range keys {
			tg := targets[k]
			var a perfRow
			if byUser {
				if x := actual[k]; x != nil {
					a = *x
				}
			} else {
				for ak, x := range actual {
					if ak.store == k.store {
						a.orders += x.orders
						a.deliveries += x.deliveries
						a.revenue += x.revenue
					}
				}
			}
			row := []Cell{text(m), text(sc.siteName(k.store))}
			filter := []string{"store_id", strconv.FormatInt(k.store, 10), "month", m}
			if byUser {
				row = append(row, text(names[k.user]))
				filter = []string{"user_id", strconv.FormatInt(k.user, 10), "month", m}
			}
			mdrill := func(set string) string { return msc.drill("/sales/reports/rows", set, filter...) }
			row = append(row, count(tg.Orders), count(a.orders).link(mdrill("orders")), ratio(a.orders, tg.Orders),
				count(tg.Deliveries), count(a.deliveries).link(mdrill("deliveries")), ratio(a.deliveries, tg.Deliveries),
				money(tg.RevenueFen), money(a.revenue), ratioFen(a.revenue, tg.RevenueFen))
			t.Rows = append(t.Rows, row)
			label := m + " " + sc.siteName(k.store)
			if byUser {
				label = m + " " + names[k.user]
			}
			ch.Labels = append(ch.Labels, label)
			o, _ := ratio(a.orders, tg.Orders).Value.(float64)
			d, _ := ratio(a.deliveries, tg.Deliveries).Value.(float64)
			ch.Series[0].Values = append(ch.Series[0].Values, o)
			ch.Series[1].Values = append(ch.Series[1].Values, d)
		}
	}
	if len(t.Rows) > 0 && len(t.Rows) <= 40 {
		t.Chart = ch.json()
	}
	t.Note = "实际数取整月（北京时间自然月）；分组选“按销售顾问”查看顾问目标。"
	r.Tables = append(r.Tables, t)
	return nil
}

// ratioFen is a/b for amounts.
func ratioFen(a, b int64) Cell {
	if b == 0 {
		return Cell{Text: "—"}
	}
	p := float64(a) * 100 / float64(b)
	return Cell{Text: strconv.FormatFloat(p, 'f', 1, 64) + "%", Value: round1(p)}
}

// salesKey is a store, consultant (0: none) and local month "2006-01".
type salesKey struct {
	targetKey
	month string
}

// salesMonths is the performance figures of sc's period by store,
// consultant and local month: the months sc.plan reads whole from the
// rollup of migration 00030 (report_sales_months), the days it adds or
// subtracts from the orders. Grouping by store_id + 0, not store_id: SQLite
// would otherwise walk the (store_id, ordered_at) index store by store to
// save a sort and read every order's row, instead of the covering index of
// migration 00023. Keys that net to nothing are left out.
func (s *Service) salesMonths(ctx context.Context, sc *scope) (map[salesKey]*perfRow, error) {
	args := []any{}
	whole := sc.wholeMonths("month", &args)
	mwhere := sc.in("store_id", &args)
	omonth := sc.monthCase("v.ordered_at", &args)
	oother, osign := sc.otherTimes("v.ordered_at", &args)
	dmonth := sc.monthCase("v.delivered_at", &args)
	dother, dsign := sc.otherTimes("v.delivered_at", &args)
	where := sc.in("v.store_id", &args)
	rows, err := s.db.QueryContext(ctx, `SELECT store_id, sales_user_id, month, orders, deliveries, revenue_fen FROM report_sales_months
		WHERE `+whole+` AND `+mwhere+` AND (orders <> 0 OR deliveries <> 0)
		UNION ALL SELECT v.store_id + 0, COALESCE(v.sales_user_id, 0), `+omonth+`, CAST(SUM(`+osign+`) AS BIGINT), 0, 0 FROM vehicle_orders v
		WHERE `+oother+` AND v.status <> 'cancelled' AND `+where+` GROUP BY 1, 2, 3
		UNION ALL SELECT v.store_id + 0, COALESCE(v.sales_user_id, 0), `+dmonth+`, 0, CAST(SUM(`+dsign+`) AS BIGINT),
		CAST(SUM((v.price_fen - v.discount_fen) * `+dsign+`) AS BIGINT) FROM vehicle_orders v
		WHERE `+dother+` AND v.status = 'delivered' AND `+where+` GROUP BY 1, 2, 3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[salesKey]*perfRow{}
	for rows.Next() {
		var k salesKey
		var x perfRow
		if err := rows.Scan(&k.store, &k.user, &k.month, &x.orders, &x.deliveries, &x.revenue); err != nil {
			return nil, err
		}
		p := out[k]
		if p == nil {
			p = &perfRow{}
			out[k] = p
		}
		p.orders += x.orders
		p.deliveries += x.deliveries
		p.revenue += x.revenue
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, p := range out {
		if p.orders == 0 && p.deliveries == 0 && p.revenue == 0 {
			delete(out, k)
		}
	}
	return out, nil
}
