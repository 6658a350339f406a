package campaign

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Rule is one condition of a segment; a customer is in the segment when
// every rule holds.
type Rule struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// Label says the rule in Chinese ("城市 是其中之一 上海,杭州").
func (r Rule) Label() string {
	f := field(r.Field)
	if f == nil {
		return r.Field + " " + r.Op + " " + r.Value
	}
	return f.Label + " " + label(f.Ops, r.Op) + " " + r.Value
}

// Field is a segment field the rule builder offers.
type Field struct {
	Name  string
	Label string
	Ops   []Code // the operators it takes
	Hint  string // what Value holds
	// Available is false for fields whose data does not exist yet (the
	// form shows them disabled with Hint saying why).
	Available bool
	// cond builds the SQL condition on customers c, adding its arguments
	// to w; value has been checked by check. Vehicle fields give instead
	// vehicle, a condition on vehicles v: the vehicle rules of a segment are
	// one subquery, so they must hold for the same car. Conditions on other
	// tables are "c.id IN (SELECT customer_id …)": both databases evaluate
	// the subquery once (SQLite into a temporary index, PostgreSQL as a
	// hashed semi-join), several times cheaper than a probe per customer.
	cond    func(w *listing.Where, op, value string, now time.Time) string
	vehicle func(w *listing.Where, op, value string, now time.Time) string
	check   func(op, value string) bool
}

// Fields are the segment fields. Adding a field is adding an entry here:
// the lead-score band reads leads.score and the owner-mining propensities
// read owner_scores, both written by lead scoring (issue 11); customers
// not scored yet match no rule on them. A field whose data does not exist
// yet can be declared with Available false: the form shows it disabled.
var Fields = []*Field{
	{Name: "city", Label: "城市", Ops: []Code{{"in", "是其中之一"}, {"not_in", "不是"}}, Hint: "多个城市用逗号分隔，如 上海,杭州", Available: true,
		check: func(op, v string) bool { return len(list(v)) > 0 },
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			return notIf(op == "not_in", "c.city IN ("+args(w, list(v))+")")
		}},
	{Name: "kind", Label: "客户类型", Ops: []Code{{"eq", "是"}}, Hint: "车主 或 潜客（也可写 owner / prospect）", Available: true,
		check: func(op, v string) bool { return kindCode(v) != "" },
		cond:  func(w *listing.Where, op, v string, _ time.Time) string { return "c.kind = " + w.Arg(kindCode(v)) }},
	{Name: "stage", Label: "客户旅程阶段", Ops: []Code{{"in", "是其中之一"}}, Hint: "lead,interested,test_drive,negotiation,ordered,delivered,lost", Available: true,
		check: func(op, v string) bool {
			for _, s := range list(v) {
				if !strings.Contains(",lead,interested,test_drive,negotiation,ordered,delivered,lost,", ","+s+",") {
					return false
				}
			}
			return len(list(v)) > 0
		},
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			return "c.stage IN (" + args(w, list(v)) + ")"
		}},
	{Name: "model", Label: "车型（车主的车或潜客意向）", Ops: []Code{{"in", "是其中之一"}}, Hint: "车型编号，多个用逗号分隔", Available: true,
		check: func(op, v string) bool { return ids(v) != nil },
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			in := args(w, ids(v))
			return "(c.preferred_model_id IN (" + in + ") OR c.id IN (SELECT v.customer_id FROM vehicles v WHERE v.model_id IN (" + in + ")))"
		}},
	{Name: "battery_soh", Label: "电池健康度（%）", Ops: []Code{{"lt", "低于"}, {"gte", "不低于"}}, Hint: "0 到 100", Available: true,
		check: func(op, v string) bool { n, ok := num(v); return ok && n >= 0 && n <= 100 },
		vehicle: func(w *listing.Where, op, v string, _ time.Time) string {
			n, _ := num(v)
			return "v.battery_soh " + cmp(op) + " " + w.Arg(n)
		}},
	{Name: "mileage", Label: "行驶里程（公里）", Ops: []Code{{"lt", "低于"}, {"gte", "不低于"}}, Hint: "如 50000", Available: true,
		check: func(op, v string) bool { n, ok := num(v); return ok && n >= 0 && n <= 2_000_000 },
		vehicle: func(w *listing.Where, op, v string, _ time.Time) string {
			n, _ := num(v)
			return "v.mileage_km " + cmp(op) + " " + w.Arg(n)
		}},
	{Name: "vehicle_age", Label: "车龄（月）", Ops: []Code{{"lt", "不满"}, {"gte", "已满"}}, Hint: "自购车日起的月数，如 36", Available: true,
		check: func(op, v string) bool { n, ok := num(v); return ok && n >= 0 && n <= 600 },
		vehicle: func(w *listing.Where, op, v string, now time.Time) string {
			n, _ := num(v)
			cut := now.In(Shanghai).AddDate(0, -n, 0).Format("2006-01-02")
			// bought after the cut: younger than n months.
			rel := "<="
			if op == "lt" {
				rel = ">"
			}
			return "v.purchased_on " + rel + " " + w.Arg(cut)
		}},
	{Name: "last_service", Label: "上次维修保养", Ops: []Code{{"before_days", "早于 N 天前（或从未）"}, {"within_days", "在最近 N 天内"}}, Hint: "天数，如 180", Available: true,
		check: func(op, v string) bool { n, ok := num(v); return ok && n >= 1 && n <= 3650 },
		cond: func(w *listing.Where, op, v string, now time.Time) string {
			n, _ := num(v)
			e := "c.id IN (SELECT o.customer_id FROM work_orders o WHERE o.status <> 'cancelled' AND o.opened_at >= " + w.Arg(now.AddDate(0, 0, -n)) + ")"
			return notIf(op == "before_days", e)
		}},
	{Name: "tag", Label: "客户标签", Ops: []Code{{"has", "有"}, {"not_has", "没有"}}, Hint: "一个标签", Available: true,
		check: func(op, v string) bool { return v != "" && utf8.RuneCountInString(v) <= 40 },
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			return notIf(op == "not_has", "c.id IN (SELECT t.customer_id FROM customer_tags t WHERE t.tag = "+w.Arg(v)+")")
		}},
	{Name: "lead_score", Label: "线索评分档", Ops: []Code{{"in", "是其中之一"}}, Hint: "hot 高意向（50 分以上）、warm 中意向（25–49）、cold 低意向，多个用逗号分隔；读线索评分（议题 11）写入的 leads.score", Available: true,
		check: func(op, v string) bool {
			for _, b := range list(v) {
				if bandCode(b) == "" {
					return false
				}
			}
			return len(list(v)) > 0
		},
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			var ors []string
			for _, b := range list(v) {
				switch bandCode(b) {
				case "hot":
					ors = append(ors, "l.score >= 50")
				case "warm":
					ors = append(ors, "(l.score >= 25 AND l.score < 50)")
				case "cold":
					ors = append(ors, "l.score < 25")
				}
			}
			return "c.id IN (SELECT l.customer_id FROM leads l WHERE l.status NOT IN ('converted', 'lost') AND (" + strings.Join(ors, " OR ") + "))"
		}},
	ownerScore("second_car", "车主增购/换购倾向（分）"),
	ownerScore("referral", "车主转介绍倾向（分）"),
	ownerScore("churn", "车主售后流失风险（分）"),
}

// ownerScore is a segment field on the owner-mining scores (owner_scores,
// written by the lead-scoring area, issue 11): the owner's score of kind,
// 0–100; owners not scored yet match no rule on it.
func ownerScore(kind, label string) *Field {
	return &Field{Name: kind, Label: label, Ops: []Code{{"gte", "不低于"}, {"lt", "低于"}}, Hint: "0 到 100；车主挖掘评分未运行时没有车主有分数", Available: true,
		check: func(op, v string) bool { n, ok := num(v); return ok && n >= 0 && n <= 100 },
		cond: func(w *listing.Where, op, v string, _ time.Time) string {
			n, _ := num(v)
			return "c.id IN (SELECT o.customer_id FROM owner_scores o WHERE o.kind = " + w.Arg(kind) + " AND o.score " + cmp(op) + " " + w.Arg(n) + ")"
		}}
}

// bandCode reads a lead score band written as a code or in Chinese.
func bandCode(v string) string {
	switch v {
	case "hot", "高意向", "高":
		return "hot"
	case "warm", "中意向", "中":
		return "warm"
	case "cold", "低意向", "低":
		return "cold"
	}
	return ""
}

// kindCode reads a customer kind written as a code or in Chinese.
func kindCode(v string) string {
	switch v {
	case "owner", "车主":
		return "owner"
	case "prospect", "潜客":
		return "prospect"
	}
	return ""
}

func field(name string) *Field {
	for _, f := range Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func notIf(neg bool, cond string) string {
	if neg {
		return "NOT " + cond
	}
	return cond
}

func cmp(op string) string {
	if op == "lt" {
		return "<"
	}
	return ">="
}

func list(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func ids(v string) []int64 {
	var out []int64
	for _, s := range list(v) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func num(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

func args[T any](w *listing.Where, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = w.Arg(v)
	}
	return strings.Join(ph, ", ")
}

// MaxRules bounds a segment.
const MaxRules = 12

// checkRules validates rules; a bad rule is Invalid on "rules" naming its
// number.
func checkRules(rules []Rule) error {
	if len(rules) > MaxRules {
		return apperr.Field("rules", "最多 "+strconv.Itoa(MaxRules)+" 条规则")
	}
	for i := range rules {
		r := &rules[i]
		r.Value = strings.TrimSpace(r.Value)
		f := field(r.Field)
		n := "第 " + strconv.Itoa(i+1) + " 条规则："
		if f == nil {
			return apperr.Field("rules", n+"请选择条件")
		}
		if !f.Available {
			return apperr.Field("rules", n+f.Label+"尚不可用（"+f.Hint+"）")
		}
		if !valid(f.Ops, r.Op) {
			return apperr.Field("rules", n+"请选择"+f.Label+"的比较方式")
		}
		if utf8.RuneCountInString(r.Value) > 200 || !f.check(r.Op, r.Value) {
			return apperr.Field("rules", n+f.Label+"的取值无效（"+f.Hint+"）")
		}
	}
	return nil
}

// segmentWhere builds the conditions of a segment over customers c: live
// (not erased, not merged away) and every rule; city, when not "", is
// added unless a rule is on the city already.
func segmentWhere(rules []Rule, city string, now time.Time) *listing.Where {
	var w listing.Where
	w.And("c.erased_at IS NULL")
	w.And("c.merged_into_id IS NULL")
	hasCity := false
	var car []string
	for _, r := range rules {
		f := field(r.Field)
		if f == nil {
			continue
		}
		if r.Field == "city" {
			hasCity = true
		}
		if f.vehicle != nil {
			car = append(car, f.vehicle(&w, r.Op, r.Value, now))
			continue
		}
		w.And(f.cond(&w, r.Op, r.Value, now))
	}
	if len(car) > 0 {
		w.And("c.id IN (SELECT v.customer_id FROM vehicles v WHERE " + strings.Join(car, " AND ") + ")")
	}
	if city != "" && !hasCity {
		w.And("c.city = " + w.Arg(city))
	}
	return &w
}

// Count is a live audience count.
type Count struct {
	Matched   int           `json:"matched"`    // customers the rules select
	Consented int           `json:"consented"`  // of them, with marketing consent: the audience
	NoConsent int           `json:"no_consent"` // left out: no marketing consent (PIPL)
	Holdout   int           `json:"holdout"`    // expected hold-out of the audience
	Took      time.Duration `json:"-"`
}

// CountSegment counts the customers rules select (the campaign's city
// added when it has one and no rule names a city), and how many of them
// may be contacted (marketing consent). One aggregate over customers with
// EXISTS probes on indexed tables; see docs/测试说明.md for its speed.
//
// Sales consultants and admins (Forbidden otherwise). Invalid on rules for
// a bad rule.
func (s *Service) CountSegment(ctx context.Context, actor *identity.User, rules []Rule, city string, holdoutPct int) (*Count, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	if err := checkRules(rules); err != nil {
		return nil, err
	}
	return s.count(ctx, rules, city, holdoutPct)
}

func (s *Service) count(ctx context.Context, rules []Rule, city string, holdoutPct int) (*Count, error) {
	start := time.Now()
	w := segmentWhere(rules, city, s.now())
	var c Count
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.consent_marketing THEN 1 ELSE 0 END), 0) FROM customers c`+w.SQL(),
		w.Args...).Scan(&c.Matched, &c.Consented)
	if err != nil {
		return nil, err
	}
	c.NoConsent = c.Matched - c.Consented
	c.Holdout = c.Consented * holdoutPct / 100
	c.Took = time.Since(start)
	return &c, nil
}

// Rules returns campaign id's segment rules. Permissions as for Get.
func (s *Service) Rules(ctx context.Context, actor *identity.User, id int64) ([]Rule, error) {
	if _, err := s.visible(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	return rules(ctx, s.db, id)
}

func rules(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, id int64) ([]Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT field, op, value FROM campaign_segment_rules WHERE campaign_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.Field, &r.Op, &r.Value); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRules replaces the segment of draft campaign id (no rules: every
// customer of its city, or everyone) and returns the live count.
//
// Permissions as for Update; Conflict once published (the audience was
// taken at publishing); Invalid on rules for a bad rule.
func (s *Service) SetRules(ctx context.Context, actor *identity.User, id int64, list []Rule) (*Count, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	if err := checkRules(list); err != nil {
		return nil, err
	}
	now := s.now()
	var c *Campaign
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = s.managed(ctx, tx, actor, id); err != nil {
			return err
		}
		if c.Status != "draft" {
			return apperr.New(apperr.Conflict, "活动发布后人群已确定，不能再修改规则")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_segment_rules WHERE campaign_id = $1`, id); err != nil {
			return err
		}
		for _, r := range list {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_segment_rules (campaign_id, field, op, value) VALUES ($1, $2, $3, $4)`,
				id, r.Field, r.Op, r.Value); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_segment", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"rules": len(list)}})
	})
	if err != nil {
		return nil, err
	}
	return s.count(ctx, list, c.City, c.HoldoutPct)
}
