package leadscore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// The owner mining scores.
const (
	OwnerReferral  = "referral"   // will recommend us to a friend
	OwnerSecondCar = "second_car" // will buy a second or replacement car
	OwnerChurn     = "churn"      // drifting away from our service centers
)

// OwnerKinds lists the owner scores with their Chinese names.
var OwnerKinds = []sales.Code{{Code: OwnerReferral, Label: "转介绍意向"}, {Code: OwnerSecondCar, Label: "增购/换购意向"}, {Code: OwnerChurn, Label: "售后流失风险"}}

// OwnerKindLabel is an owner score's Chinese name.
func OwnerKindLabel(k string) string {
	for _, c := range OwnerKinds {
		if c.Code == k {
			return c.Label
		}
	}
	return k
}

// ownerRow is what owner mining reads about one owner (their first
// vehicle), as of a moment (asOf: now, or a past moment for the backtest).
type ownerRow struct {
	CustomerID  int64
	Name        string
	Mobile      string
	City        string
	StoreID     int64
	SalesUserID int64
	Source      string
	Consent     bool
	BudgetFen   int64
	Delivered   time.Time
	MileageKm   float64 // now
	SOH         float64
	Model       string
	PriceFen    int64
	WarrantyEnd time.Time
	Visits12m   int       // completed service visits in the 12 months before asOf
	LastVisit   time.Time // zero: never before asOf
	Rating      float64   // average service rating before asOf; 0 none
	Posts       int
	Tickets     int
	App         bool
}

// ownerSQL reads the owners (with their first vehicle and whether they had
// an App account) delivered before $1; the other behaviour columns are
// filled per batch by readOwners. The account is an EXISTS on the unique
// users.customer_id, not a grouped query over the batch: SQLite chose
// users_role_created for that one and read every owner account per batch.
const ownerSQL = `SELECT c.id, c.name, c.mobile, c.city, COALESCE(c.store_id, 0), COALESCE(c.sales_user_id, 0), c.source, c.consent_marketing,
	COALESCE(c.budget_fen, 0), v.delivered_at, v.mileage_km, v.battery_soh, m.name, m.price_fen, v.warranty_end,
	EXISTS (SELECT 1 FROM users u WHERE u.customer_id = c.id AND u.role = 'owner' AND u.created_at < $1)
FROM customers c JOIN vehicles v ON v.id = (SELECT MIN(v2.id) FROM vehicles v2 WHERE v2.customer_id = c.id)
JOIN vehicle_models m ON m.id = v.model_id
WHERE c.kind = 'owner' AND c.erased_at IS NULL AND v.delivered_at IS NOT NULL AND v.delivered_at < $1`

// readOwners reads the owners matching cond (on c; its arguments follow
// $1 = asOf) as of asOf, in id order, at most limit (0: all), with their
// service visits, ratings, posts, tickets and app account before asOf.
func readOwners(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, asOf time.Time, cond string, limit int, args ...any) ([]*ownerRow, error) {
	query := ownerSQL
	if cond != "" {
		query += " AND " + cond
	}
	query += " ORDER BY c.id"
	if limit > 0 {
		query += " LIMIT " + itoa(int64(limit))
	}
	rows, err := q.QueryContext(ctx, query, append([]any{asOf}, args...)...)
	if err != nil {
		return nil, err
	}
	var out []*ownerRow
	by := map[int64]*ownerRow{}
	for rows.Next() {
		var o ownerRow
		var delivered, warranty time.Time
		if err := rows.Scan(&o.CustomerID, &o.Name, &o.Mobile, &o.City, &o.StoreID, &o.SalesUserID, &o.Source, &o.Consent, &o.BudgetFen,
			&delivered, &o.MileageKm, &o.SOH, &o.Model, &o.PriceFen, &warranty, &o.App); err != nil {
			rows.Close()
			return nil, err
		}
		o.Delivered, o.WarrantyEnd = delivered.UTC(), warranty.UTC()
		out = append(out, &o)
		by[o.CustomerID] = &o
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	lo, hi := out[0].CustomerID, out[len(out)-1].CustomerID
	// One grouped query per fact over the batch's id range ($1..$2),
	// before asOf ($3); $4 is a year before asOf. The visits read the
	// partial index appointments_repair_visits and the ratings
	// work_order_ratings_customer (migration 00022) without table rows.
	facts := []struct {
		sql   string
		apply func(o *ownerRow, v []any)
	}{
		{`SELECT customer_id, SUM(CASE WHEN completed_at >= $4 THEN 1 ELSE 0 END), MAX(completed_at) FROM appointments
			WHERE customer_id BETWEEN $1 AND $2 AND service_kind = 'repair' AND status = 'completed' AND completed_at < $3 GROUP BY customer_id`,
			func(o *ownerRow, v []any) {
				o.Visits12m = int(toFloat(v[0]))
				switch t := v[1].(type) {
				case time.Time:
					o.LastVisit = t.UTC()
				case string:
					o.LastVisit = parseDBTime(t)
				case []byte:
					o.LastVisit = parseDBTime(string(t))
				}
			}},
		{`SELECT customer_id, AVG(rating) FROM work_order_ratings WHERE customer_id BETWEEN $1 AND $2 AND created_at < $3 AND $4 = $4 GROUP BY customer_id`,
			func(o *ownerRow, v []any) { o.Rating = toFloat(v[0]) }},
		{`SELECT customer_id, COUNT(*) FROM posts WHERE customer_id BETWEEN $1 AND $2 AND created_at < $3 AND $4 = $4 GROUP BY customer_id`,
			func(o *ownerRow, v []any) { o.Posts = int(toFloat(v[0])) }},
		{`SELECT customer_id, COUNT(*) FROM support_tickets WHERE customer_id BETWEEN $1 AND $2 AND created_at < $3 AND $4 = $4 GROUP BY customer_id`,
			func(o *ownerRow, v []any) { o.Tickets = int(toFloat(v[0])) }},
	}
	for _, fct := range facts {
		rs, err := q.QueryContext(ctx, fct.sql, lo, hi, asOf, asOf.AddDate(-1, 0, 0))
		if err != nil {
			return nil, err
		}
		cols, err := rs.Columns()
		if err != nil {
			rs.Close()
			return nil, err
		}
		vals := make([]any, len(cols)-1)
		dest := make([]any, len(cols))
		var id int64
		dest[0] = &id
		for i := range vals {
			dest[i+1] = &vals[i]
		}
		for rs.Next() {
			if err := rs.Scan(dest...); err != nil {
				rs.Close()
				return nil, err
			}
			if o := by[id]; o != nil {
				fct.apply(o, vals)
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// toFloat reads a number scanned into any (int64, float64, text or bytes).
func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case []byte:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

// parseDBTime reads a MAX() of a timestamp, which SQLite returns as text.
func parseDBTime(s string) time.Time {
	for _, l := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999+00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// rule is one scorecard factor: its effect on the log-odds and its phrase.
type rule struct {
	effect float64
	text   string
}

// ownerScore scores owner o for kind as of asOf with the scorecard of
// docs/系统设计.md §8.5: base log-odds plus the factors that apply.
func ownerScore(kind string, o *ownerRow, asOf, now time.Time) (int, []Reason) {
	months := asOf.Sub(o.Delivered).Hours() / 24 / 30.44
	ageDays := math.Max(1, asOf.Sub(o.Delivered).Hours()/24)
	nowDays := math.Max(1, now.Sub(o.Delivered).Hours()/24)
	kmPerDay := o.MileageKm / nowDays
	km := kmPerDay * ageDays // mileage at asOf
	var base float64
	var rs []rule
	add := func(ok bool, e float64, text string) {
		if ok {
			rs = append(rs, rule{e, text})
		}
	}
	switch kind {
	case OwnerReferral:
		base = -2.0
		add(o.Rating >= 4.5, 1.0, fmt.Sprintf("服务评价 %.1f 分", o.Rating))
		add(o.Rating > 0 && o.Rating <= 2.5, -1.2, fmt.Sprintf("服务评价偏低（%.1f 分）", o.Rating))
		add(o.Posts > 0, 0.8, fmt.Sprintf("社区发帖 %d 篇", o.Posts))
		add(o.App, 0.4, "使用车主 App")
		add(!o.App, -0.3, "未开通车主 App")
		add(months >= 3 && months <= 24, 0.5, fmt.Sprintf("提车 %d 个月，口碑期", int(months)))
		add(months > 36, -0.3, fmt.Sprintf("提车已 %d 年", int(months/12)))
		add(o.Tickets > 0, -0.6, fmt.Sprintf("有 %d 个客服工单", o.Tickets))
		add(o.Consent, 0.3, "同意营销联系")
		add(!o.Consent, -0.5, "未同意营销联系")
		add(o.Source == "referral", 0.6, "本人也是经转介绍购车")
	case OwnerSecondCar:
		base = -2.4
		add(months >= 36, 1.2, fmt.Sprintf("车龄 %.1f 年，进入换购期", months/12))
		add(months >= 24 && months < 36, 0.5, fmt.Sprintf("车龄 %.1f 年", months/12))
		add(months < 12, -0.8, "提车不满一年")
		add(km >= 100000, 0.8, fmt.Sprintf("里程 %.1f 万公里", km/10000))
		add(o.SOH > 0 && o.SOH < 85, 0.7, fmt.Sprintf("电池健康度 %.0f%%", o.SOH))
		add(!o.WarrantyEnd.IsZero() && o.WarrantyEnd.Before(asOf), 0.5, "整车质保已到期")
		add(o.BudgetFen > 0 && o.PriceFen > 0 && float64(o.BudgetFen) >= 1.2*float64(o.PriceFen), 0.4, "当初预算明显高于车价")
		add(o.PriceFen > 0 && o.PriceFen < 15000000, 0.4, "入门车型（"+o.Model+"），有升级空间")
		add(o.App && o.Posts > 0, 0.3, "活跃车主")
	case OwnerChurn:
		base = -2.2
		sinceVisit := -1.0
		if !o.LastVisit.IsZero() {
			sinceVisit = asOf.Sub(o.LastVisit).Hours() / 24
		}
		kmSince := km
		if sinceVisit >= 0 {
			kmSince = kmPerDay * sinceVisit
		}
		add(months >= 6 && sinceVisit < 0, 1.2, "提车后从未到店保养维修")
		add(sinceVisit > 365, 1.0, fmt.Sprintf("已 %d 个月未到店", int(sinceVisit/30.44)))
		add(sinceVisit >= 0 && sinceVisit <= 180, -1.2, "近半年到过店")
		add(kmSince >= 15000, 0.9, fmt.Sprintf("上次到店后已行驶约 %.1f 万公里", kmSince/10000))
		add(kmSince >= 5000 && kmSince < 15000, 0.4, fmt.Sprintf("上次到店后已行驶约 %.0f 公里", kmSince))
		add(o.Rating > 0 && o.Rating <= 2.5, 1.0, fmt.Sprintf("服务评价偏低（%.1f 分）", o.Rating))
		add(o.Rating >= 4.5, -0.5, fmt.Sprintf("服务评价 %.1f 分", o.Rating))
		add(!o.WarrantyEnd.IsZero() && o.WarrantyEnd.Before(asOf), 0.6, "整车质保已到期")
		add(o.Visits12m >= 2, -0.6, fmt.Sprintf("近一年到店 %d 次", o.Visits12m))
		add(!o.App, 0.3, "未开通车主 App")
	}
	z := base
	reasons := make([]Reason, 0, len(rs))
	for _, r := range rs {
		z += r.effect
		reasons = append(reasons, Reason{Col: kind, Text: r.text, Effect: r.effect})
	}
	sortReasons(reasons)
	return int(math.Round(100 * sigmoid(z))), reasons
}

func sortReasons(rs []Reason) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && math.Abs(rs[j].Effect) > math.Abs(rs[j-1].Effect); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// ScoreOwners scores every owner for the three owner kinds (scorecards,
// see §8.5) in batches, calling progress (done, total). Admins and the
// system may call it.
func (s *Service) ScoreOwners(ctx context.Context, actor *identity.User, progress func(done, total int64)) (int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	now := s.now()
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE kind = 'owner' AND erased_at IS NULL`).Scan(&total); err != nil {
		return 0, err
	}
	if progress != nil {
		progress(0, total)
	}
	churnID, churnModel, err := s.activeTarget(ctx, "churn")
	if err != nil {
		return 0, err
	}
	var after int64
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		rows, err := readOwners(ctx, s.db, now, "c.id > $2", ScoreBatch, after)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, nil
		}
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO owner_scores (customer_id, kind, score, band, reasons, method, scored_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (customer_id, kind) DO UPDATE SET score = excluded.score, band = excluded.band, reasons = excluded.reasons,
				method = excluded.method, scored_at = excluded.scored_at`)
			if err != nil {
				return err
			}
			defer st.Close()
			var modelScores []Scored
			if churnModel != nil {
				modelScores = scoreOwnersWith(churnModel, churnID, rows, now)
			}
			for i, o := range rows {
				for _, k := range OwnerKinds {
					sc, rs := ownerScore(k.Code, o, now, now)
					method := "scorecard-v1"
					if k.Code == OwnerChurn && modelScores != nil {
						sc, rs, method = modelScores[i].Score, modelScores[i].Reasons, "model-"+itoa(churnID)
					}
					rj, _ := json.Marshal(rs)
					if _, err := st.ExecContext(ctx, o.CustomerID, k.Code, sc, ownerBand(sc), string(rj), method, now); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(rows)
		after = rows[len(rows)-1].CustomerID
		if progress != nil {
			progress(int64(n), total)
		}
	}
}

// ownerBand bands an owner score: hot from 50, warm from 25.
func ownerBand(score int) string { return sales.BandOf(score) }

// OwnerScore is one owner's score of one kind, for lists.
type OwnerScore struct {
	CustomerID int64
	Name       string
	Mobile     string // masked
	City       string
	StoreName  string
	Kind       string
	Score      int
	Band       string
	Reasons    []Reason
	ScoredAt   time.Time
}

// BandLabel is the band's Chinese name (risk for churn).
func (o *OwnerScore) BandLabel() string { return OwnerBandLabel(o.Kind, o.Band) }

// OwnerBandLabel names a band of an owner score: 高/中/低风险 for churn,
// 高/中/低意向 otherwise.
func OwnerBandLabel(kind, band string) string {
	if kind == OwnerChurn {
		switch band {
		case "hot":
			return "高风险"
		case "warm":
			return "中风险"
		case "cold":
			return "低风险"
		}
	}
	return sales.BandLabel(band)
}

// Line is the reasons in one line.
func (o *OwnerScore) Line() string { return reasonLine(o.Reasons) }

// OwnerFilter selects owner scores.
type OwnerFilter struct {
	Kind    string
	Band    string
	City    string
	StoreID int64
	Limit   int
	Cursor  string
}

// OwnerSorts orders owner lists: highest score first.
var OwnerSorts = listing.Orders{{Name: "score_desc", Label: "评分从高到低", Key: "o.score", ID: "o.customer_id", Kind: listing.KeyInt, Desc: true}}

func (f *OwnerFilter) where(actor *identity.User) (*listing.Where, error) {
	var v apperr.Validator
	ok := false
	for _, k := range OwnerKinds {
		ok = ok || k.Code == f.Kind
	}
	v.Check(ok, "kind", "请选择评分类型")
	v.Check(f.Band == "" || f.Band == "hot" || f.Band == "warm" || f.Band == "cold", "band", "请选择有效的评分档位")
	v.Check(len([]rune(f.City)) <= 20, "city", "城市不能超过 20 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var w listing.Where
	w.And("o.kind = " + w.Arg(f.Kind))
	if f.Band != "" {
		w.And("o.band = " + w.Arg(f.Band))
	}
	if f.City != "" {
		w.And("c.city = " + w.Arg(strings.TrimSpace(f.City)))
	}
	switch {
	case actor.Is(identity.RoleAdmin, identity.RoleSystem):
		if f.StoreID != 0 {
			w.And("c.store_id = " + w.Arg(f.StoreID))
		}
	case actor.Is(identity.RoleSales):
		w.And("c.store_id = " + w.Arg(actor.SiteID))
	}
	return &w, nil
}

var errOwnerRole = apperr.New(apperr.Forbidden, "只有销售、服务顾问和管理员可以查看车主挖掘名单")

// ListOwners returns a page of owner scores of one kind, highest first.
// Sales consultants see their store's owners, service advisers and admins
// all (service needs churn across centers); mobiles are masked. Invalid
// for a bad filter; Forbidden for owners.
func (s *Service) ListOwners(ctx context.Context, actor *identity.User, f OwnerFilter) (listing.Page[*OwnerScore], listing.Total, error) {
	var page listing.Page[*OwnerScore]
	if err := identity.Require(actor); err != nil {
		return page, listing.Total{}, err
	}
	if !actor.Is(identity.RoleSales, identity.RoleService, identity.RoleAdmin, identity.RoleSystem) {
		return page, listing.Total{}, errOwnerRole
	}
	w, err := f.where(actor)
	if err != nil {
		return page, listing.Total{}, err
	}
	order := OwnerSorts[0]
	limit, err := listing.CheckLimit(f.Limit)
	if err != nil {
		return page, listing.Total{}, err
	}
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	from := ` FROM owner_scores o JOIN customers c ON c.id = o.customer_id`
	total, err := listing.Count(ctx, s.db, from+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	rows, err := s.ownersPage(ctx, w, order, cur, limit+1)
	if err != nil {
		return page, total, err
	}
	return listing.NewPage(rows, limit, func(o *OwnerScore) string { return order.Encode(int64(o.Score), o.CustomerID) }), total, nil
}

func (s *Service) ownersPage(ctx context.Context, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*OwnerScore, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT o.customer_id, c.name, c.mobile, c.city, COALESCE(st.name, ''), o.kind, o.score, o.band, o.reasons, o.scored_at
		FROM owner_scores o JOIN customers c ON c.id = o.customer_id LEFT JOIN sites st ON st.id = c.store_id`+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OwnerScore
	for rows.Next() {
		var o OwnerScore
		var rj string
		if err := rows.Scan(&o.CustomerID, &o.Name, &o.Mobile, &o.City, &o.StoreName, &o.Kind, &o.Score, &o.Band, &rj, &o.ScoredAt); err != nil {
			return nil, err
		}
		o.Mobile = identity.MaskMobile(o.Mobile)
		_ = json.Unmarshal([]byte(rj), &o.Reasons)
		out = append(out, &o)
	}
	return out, rows.Err()
}

// OwnerExportHeader is the header of ExportOwners.
var OwnerExportHeader = []string{"客户编号", "姓名", "手机号", "城市", "门店", "评分类型", "评分", "档位", "依据"}

// ExportOwners writes every owner score matching f (a campaign audience:
// the customer ids in the first column), as ListOwners sees them.
func (s *Service) ExportOwners(ctx context.Context, actor *identity.User, f OwnerFilter, w listing.Writer) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleSales, identity.RoleService, identity.RoleAdmin, identity.RoleSystem) {
		return 0, errOwnerRole
	}
	where, err := f.where(actor)
	if err != nil {
		return 0, err
	}
	order := OwnerSorts[0]
	return listing.Export(w, OwnerExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			rows, err := s.ownersPage(ctx, where, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, o := range rows {
				if err := emit(o.CustomerID, o.Name, o.Mobile, o.City, o.StoreName, OwnerKindLabel(o.Kind), o.Score, o.BandLabel(), o.Line()); err != nil {
					return err
				}
			}
			if len(rows) < listing.ExportBatch {
				return nil
			}
			last := rows[len(rows)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: int64(last.Score), ID: last.CustomerID}
		}
	})
}

// Audience returns the ids of the owners whose score of kind is at least
// minScore (at most limit, highest first), for a campaign audience.
// Admins and the system may call it.
func (s *Service) Audience(ctx context.Context, actor *identity.User, kind string, minScore, limit int) ([]int64, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000000 {
		limit = 1000000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id FROM owner_scores WHERE kind = $1 AND score >= $2 ORDER BY score DESC, customer_id LIMIT `+itoa(int64(limit)), kind, minScore)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CustomerScores are the scores a customer page shows: the customer's open
// leads and, for an owner, the three owner scores.
type CustomerScores struct {
	Leads []*Scored
	Owner []*OwnerScore
}

// ForCustomer returns customer id's scores. The caller has checked that
// actor may see the customer (the customer page loads it first).
func (s *Service) ForCustomer(ctx context.Context, actor *identity.User, id int64) (*CustomerScores, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	out := &CustomerScores{}
	rows, err := s.db.QueryContext(ctx, `SELECT s.lead_id FROM lead_scores s JOIN leads l ON l.id = s.lead_id WHERE l.customer_id = $1 AND `+openCond+` ORDER BY s.lead_id`, id)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var lid int64
		if err := rows.Scan(&lid); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, lid)
	}
	rows.Close()
	m, err := s.LeadScores(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, lid := range ids {
		out.Leads = append(out.Leads, m[lid])
	}
	orows, err := s.db.QueryContext(ctx, `SELECT kind, score, band, reasons, scored_at FROM owner_scores WHERE customer_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer orows.Close()
	for orows.Next() {
		o := &OwnerScore{CustomerID: id}
		var rj string
		if err := orows.Scan(&o.Kind, &o.Score, &o.Band, &rj, &o.ScoredAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(rj), &o.Reasons)
		out.Owner = append(out.Owner, o)
	}
	return out, orows.Err()
}

// ChurnBacktest measures the churn scorecard on history: owners scored as
// of back (e.g. 180 days ago) against whether they then came to a service
// center by now. It returns the AUC and the owners measured. Admins only.
func (s *Service) ChurnBacktest(ctx context.Context, actor *identity.User, back time.Duration) (float64, int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, 0, err
	}
	now := s.now()
	asOf := now.Add(-back)
	rows, err := readOwners(ctx, s.db, asOf, "", 0)
	if err != nil {
		return 0, 0, err
	}
	came, err := s.visitedBetween(ctx, asOf, now)
	if err != nil {
		return 0, 0, err
	}
	var p, y []float64
	for _, o := range rows {
		sc, _ := ownerScore(OwnerChurn, o, asOf, now)
		p = append(p, float64(sc))
		y = append(y, boolNum(!came[o.CustomerID]))
	}
	return AUC(p, y), len(p), nil
}

func (s *Service) visitedBetween(ctx context.Context, from, to time.Time) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT customer_id FROM appointments WHERE service_kind = 'repair' AND status = 'completed'
		AND completed_at >= $1 AND completed_at < $2`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ownerColumns are the inputs of a trained churn model, read as of a
// moment.
var ownerColumns = []ColumnSpec{
	{"months", "车龄（月）", Numeric},
	{"km", "累计里程", Numeric},
	{"km_per_day", "日均里程", Numeric},
	{"since_visit", "距上次到店天数", Numeric},
	{"visits_12m", "近一年到店次数", Numeric},
	{"rating", "服务评价", Numeric},
	{"posts", "社区发帖", Numeric},
	{"tickets", "客服工单", Numeric},
	{"app", "车主 App", YesNo},
	{"consent", "同意营销", YesNo},
	{"warranty_over", "整车质保到期", YesNo},
	{"city", "城市", Categorical},
}

// ownerFrame reads owners as of asOf into a Frame (no outcome).
func ownerFrame(rows []*ownerRow, asOf, now time.Time) *Frame {
	n := len(rows)
	f := &Frame{Y: make([]float64, n), IDs: make([]int64, n)}
	cols := map[string]*Column{}
	for _, c := range ownerColumns {
		col := &Column{Name: c.Name, Label: c.Label, Kind: c.Kind}
		if c.Kind == Categorical {
			col.Str = make([]string, n)
		} else {
			col.Num = make([]float64, n)
		}
		cols[c.Name] = col
		f.Cols = append(f.Cols, col)
	}
	for i, o := range rows {
		f.IDs[i] = o.CustomerID
		ageDays := math.Max(1, asOf.Sub(o.Delivered).Hours()/24)
		nowDays := math.Max(1, now.Sub(o.Delivered).Hours()/24)
		kmPerDay := o.MileageKm / nowDays
		cols["months"].Num[i] = ageDays / 30.44
		cols["km"].Num[i] = kmPerDay * ageDays
		cols["km_per_day"].Num[i] = kmPerDay
		cols["since_visit"].Num[i] = math.NaN()
		if !o.LastVisit.IsZero() {
			cols["since_visit"].Num[i] = asOf.Sub(o.LastVisit).Hours() / 24
		}
		cols["visits_12m"].Num[i] = float64(o.Visits12m)
		cols["rating"].Num[i] = math.NaN()
		if o.Rating > 0 {
			cols["rating"].Num[i] = o.Rating
		}
		cols["posts"].Num[i] = float64(o.Posts)
		cols["tickets"].Num[i] = float64(o.Tickets)
		cols["app"].Num[i] = boolNum(o.App)
		cols["consent"].Num[i] = boolNum(o.Consent)
		cols["warranty_over"].Num[i] = boolNum(!o.WarrantyEnd.IsZero() && o.WarrantyEnd.Before(asOf))
		cols["city"].Str[i] = o.City
	}
	return f
}

// ChurnEvaluation compares, on the company's own history, the churn
// scorecard with models trained on it: owners are read as of a moment
// Horizon ago and the outcome is whether they then stayed away from the
// service centers until now.
type ChurnEvaluation struct {
	AsOf      time.Time
	Horizon   time.Duration
	Owners    int
	Churned   int     // owners with no completed service visit since AsOf
	Scorecard float64 // AUC of the scorecard scores as of AsOf
	Report    *Report // the trained families, 5-fold cross-validated
}

// EvaluateChurn measures the churn scorecard and trained models on
// history (see ChurnEvaluation). Admins and the system may call it;
// Invalid when there are too few owners.
func (s *Service) EvaluateChurn(ctx context.Context, actor *identity.User, horizon time.Duration) (*ChurnEvaluation, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	ev, _, err := s.evaluateChurn(ctx, s.now(), horizon)
	return ev, err
}

// evaluateChurn is EvaluateChurn as of now; it also returns the owners'
// frame with its outcomes, which TrainChurn fits on.
func (s *Service) evaluateChurn(ctx context.Context, now time.Time, horizon time.Duration) (*ChurnEvaluation, *Frame, error) {
	asOf := now.Add(-horizon)
	rows, err := readOwners(ctx, s.db, asOf, "", 0)
	if err != nil {
		return nil, nil, err
	}
	came, err := s.visitedBetween(ctx, asOf, now)
	if err != nil {
		return nil, nil, err
	}
	ev := &ChurnEvaluation{AsOf: asOf, Horizon: horizon, Owners: len(rows)}
	f := ownerFrame(rows, asOf, now)
	var p []float64
	for i, o := range rows {
		f.Y[i] = boolNum(!came[o.CustomerID])
		ev.Churned += int(f.Y[i])
		sc, _ := ownerScore(OwnerChurn, o, asOf, now)
		p = append(p, float64(sc))
	}
	ev.Scorecard = AUC(p, f.Y)
	_, rep, err := Train(f, TrainOptions{Folds: 5, Seed: 1}, nil)
	if err != nil {
		if strings.Contains(err.Error(), ErrTooFew.Error()) {
			return nil, nil, apperr.New(apperr.Invalid, "车主数量不足，无法评估流失模型")
		}
		return nil, nil, err
	}
	ev.Report = rep
	return ev, f, nil
}

// scoreOwnersWith applies a trained churn model to owners as of now.
func scoreOwnersWith(m *Model, id int64, rows []*ownerRow, now time.Time) []Scored {
	f := ownerFrame(rows, now, now)
	cols := m.Enc.colIndex(f)
	x := make([]float64, len(m.Enc.Feats))
	out := make([]Scored, len(rows))
	for i, o := range rows {
		m.Enc.encodeRow(f, cols, i, x)
		sc := int(math.Round(100 * sigmoid(m.logit(x))))
		rs := m.explain(x)
		if len(rs) > 6 {
			rs = rs[:6]
		}
		for k := range rs {
			rs[k].Text = ownerPhrase(rs[k].Col, o, f, i)
			rs[k].Effect = math.Round(rs[k].Effect*1000) / 1000
		}
		out[i] = Scored{LeadID: o.CustomerID, ModelID: id, Score: sc, Band: ownerBand(sc), Reasons: rs}
	}
	return out
}

// ownerPhrase reads column col of owner i of f for a churn reason.
func ownerPhrase(col string, o *ownerRow, f *Frame, i int) string {
	num := func(name string) float64 {
		for _, c := range f.Cols {
			if c.Name == name && c.Num != nil {
				return c.Num[i]
			}
		}
		return math.NaN()
	}
	switch col {
	case "months":
		return fmt.Sprintf("车龄 %.0f 个月", num("months"))
	case "km":
		return fmt.Sprintf("累计约 %.1f 万公里", num("km")/10000)
	case "km_per_day":
		return fmt.Sprintf("日均 %.0f 公里", num("km_per_day"))
	case "since_visit":
		if v := num("since_visit"); !math.IsNaN(v) {
			return fmt.Sprintf("%.0f 天未到店", v)
		}
		return "从未到店保养维修"
	case "visits_12m":
		return fmt.Sprintf("近一年到店 %d 次", o.Visits12m)
	case "rating":
		if o.Rating > 0 {
			return fmt.Sprintf("服务评价 %.1f 分", o.Rating)
		}
		return "没有服务评价"
	case "posts":
		return fmt.Sprintf("社区发帖 %d 篇", o.Posts)
	case "tickets":
		return fmt.Sprintf("客服工单 %d 个", o.Tickets)
	case "app":
		if o.App {
			return "使用车主 App"
		}
		return "未开通车主 App"
	case "consent":
		if o.Consent {
			return "同意营销联系"
		}
		return "未同意营销联系"
	case "warranty_over":
		if num("warranty_over") > 0 {
			return "整车质保已到期"
		}
		return "仍在整车质保期内"
	case "city":
		return "城市：" + o.City
	}
	return col
}

// activeTarget returns the active model of target (0, nil when none).
func (s *Service) activeTarget(ctx context.Context, target string) (int64, *Model, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM lead_score_models WHERE target = $1 AND active = $2`, target, true).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	m, err := s.model(ctx, id)
	return id, m, err
}

// TrainChurn evaluates churn on history (EvaluateChurn) and stores the
// trained model as a churn version with the scorecard's AUC beside the
// families'. The trained model becomes active (replacing the scorecard for
// churn) only when it beats the scorecard by more than 0.02 AUC and
// reaches 0.60; otherwise the version records why the scorecard stays.
// Admins and the system may call it.
func (s *Service) TrainChurn(ctx context.Context, actor *identity.User, horizon time.Duration) (*Version, *ChurnEvaluation, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, nil, err
	}
	now := s.now()
	ev, f, err := s.evaluateChurn(ctx, now, horizon)
	if err != nil {
		return nil, nil, err
	}
	m, err := fitFamily(ev.Report.Best, f, 1)
	if err != nil {
		return nil, nil, err
	}
	ev.Report.Baseline = ev.Scorecard
	use := ev.Report.Valid.AUC > ev.Scorecard+0.02 && ev.Report.Valid.AUC >= 0.6
	feats, _ := json.Marshal(m.Enc.Cols)
	repJSON, _ := json.Marshal(ev.Report)
	modelJSON, _ := json.Marshal(m)
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO lead_score_models (target, family, active, features, train_from, train_to, n_train, n_valid, n_pos,
				auc, report, model, created_by, created_at) VALUES ('churn', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			m.Family, false, string(feats), ev.AsOf, now, f.Len(), ev.Report.NValid, ev.Churned, ev.Report.Valid.AUC, string(repJSON), string(modelJSON),
			nullUser(actor), now).Scan(&id); err != nil {
			return err
		}
		if use {
			return activate(ctx, tx, "churn", id, now)
		}
		// The scorecard stays: no churn model is active.
		_, err := tx.ExecContext(ctx, `UPDATE lead_score_models SET active = $1 WHERE target = 'churn' AND active = $2`, false, true)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	v, err := s.GetVersion(ctx, actor, id)
	return v, ev, err
}

// Erase removes a customer's owner scores and the stored scores of their
// leads (the lead's own score columns belong to sales), inside an
// approved deletion request's transaction (privacy.Service.OnErase).
func Erase(ctx context.Context, tx *sql.Tx, customerID, _ int64, _ time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM owner_scores WHERE customer_id = $1`, customerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM lead_scores WHERE lead_id IN (SELECT id FROM leads WHERE customer_id = $1)`, customerID)
	return err
}
