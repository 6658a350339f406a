package leadscore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// leadRow is what the scorer reads about one lead: the facts of the lead,
// its customer and their behaviour.
type leadRow struct {
	ID         int64
	CustomerID int64
	Status     string
	Source     string
	Campaign   bool
	TestDrive  bool
	Visits     int
	BudgetFen  int64 // 0 unknown
	PriceFen   int64 // 0 unknown model
	City       string
	RespMins   int // -1 not contacted
	FollowUps  int
	Powertrain string
	Contact    string
	Consent    bool
	BirthYear  int // 0 unknown
	PriorLeads int
	Created    time.Time
	Updated    time.Time
	ScoredAt   time.Time // zero: never
}

// leadSQL reads leadRows; the follow-ups counted are those logged before
// the lead closed (a closed lead's later contacts belong to its
// opportunity, and would tell the outcome).
const leadSQL = `SELECT l.id, l.customer_id, l.status, l.source, l.campaign_id IS NOT NULL, l.test_drive, l.store_visits,
	COALESCE(l.budget_fen, c.budget_fen, 0), COALESCE(m.price_fen, 0), c.city, COALESCE(l.first_response_minutes, -1),
	(SELECT COUNT(*) FROM follow_ups f WHERE f.lead_id = l.id AND (l.status IN ('new', 'contacted', 'qualified') OR f.created_at <= l.updated_at)),
	COALESCE(m.powertrain, ''), c.preferred_contact, c.consent_marketing, COALESCE(c.birth_year, 0),
	(SELECT COUNT(*) FROM leads p WHERE p.customer_id = l.customer_id AND p.created_at < l.created_at),
	l.created_at, l.updated_at, s.scored_at
FROM leads l JOIN customers c ON c.id = l.customer_id LEFT JOIN vehicle_models m ON m.id = l.interested_model_id
LEFT JOIN lead_scores s ON s.lead_id = l.id`

func scanLeadRow(rows interface{ Scan(...any) error }) (*leadRow, error) {
	var r leadRow
	var scored sql.NullTime
	err := rows.Scan(&r.ID, &r.CustomerID, &r.Status, &r.Source, &r.Campaign, &r.TestDrive, &r.Visits, &r.BudgetFen, &r.PriceFen, &r.City,
		&r.RespMins, &r.FollowUps, &r.Powertrain, &r.Contact, &r.Consent, &r.BirthYear, &r.PriorLeads, &r.Created, &r.Updated, &scored)
	if scored.Valid {
		r.ScoredAt = scored.Time.UTC()
	}
	r.Created = r.Created.UTC()
	return &r, err
}

// The CRM lead features (columns of the frame), with their Chinese names.
// Age and gender are left out on purpose (rarely captured reliably at the
// lead stage, and not a reason to call someone later), and so are the
// preferred contact and the marketing consent: they carry no buying
// signal, and on small histories their noise showed up as reasons.
var leadColumns = []ColumnSpec{
	{"source", "线索来源", Categorical},
	{"campaign", "参加市场活动", YesNo},
	{"test_drive", "试驾", YesNo},
	{"visits", "到店次数", Numeric},
	{"budget", "预算与车价", Categorical},
	{"city", "城市", Categorical},
	{"response_hours", "首次响应时长", Numeric},
	{"follow_ups", "跟进次数", Numeric},
	{"powertrain", "意向动力类型", Categorical},
	{"prior_leads", "此前线索数", Numeric},
}

// budgetBand puts the budget against the price of the model of interest.
func budgetBand(budget, price int64) string {
	if budget <= 0 || price <= 0 {
		return "unknown"
	}
	r := float64(budget) / float64(price)
	switch {
	case r >= 1.15:
		return "above"
	case r >= 1:
		return "covers"
	case r >= 0.85:
		return "near"
	case r >= 0.7:
		return "short"
	}
	return "far"
}

var budgetText = map[string]string{"unknown": "未填写预算", "above": "预算高于车价", "covers": "预算覆盖车价", "near": "预算略低于车价",
	"short": "预算低于车价 15% 以上", "far": "预算低于车价 30% 以上"}

var powertrainText = map[string]string{"BEV": "纯电", "PHEV": "插电混动", "EREV": "增程", "": "未定"}
var contactText = map[string]string{"phone": "电话", "sms": "短信", "wechat": "微信", "email": "邮件"}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// leadFrame turns rows into a Frame (outcome: converted).
func leadFrame(rows []*leadRow) *Frame {
	n := len(rows)
	f := &Frame{Y: make([]float64, n), Times: make([]int64, n), IDs: make([]int64, n)}
	cols := map[string]*Column{}
	for _, c := range leadColumns {
		col := &Column{Name: c.Name, Label: c.Label, Kind: c.Kind}
		if c.Kind == Categorical {
			col.Str = make([]string, n)
		} else {
			col.Num = make([]float64, n)
		}
		cols[c.Name] = col
		f.Cols = append(f.Cols, col)
	}
	for i, r := range rows {
		f.Y[i] = boolNum(r.Status == "converted")
		f.Times[i] = r.Created.Unix()
		f.IDs[i] = r.ID
		cols["source"].Str[i] = r.Source
		cols["campaign"].Num[i] = boolNum(r.Campaign)
		cols["test_drive"].Num[i] = boolNum(r.TestDrive)
		cols["visits"].Num[i] = float64(min(r.Visits, 6))
		cols["budget"].Str[i] = budgetBand(r.BudgetFen, r.PriceFen)
		cols["city"].Str[i] = r.City
		if r.RespMins >= 0 {
			cols["response_hours"].Num[i] = float64(r.RespMins) / 60
		} else {
			cols["response_hours"].Num[i] = math.NaN()
		}
		cols["follow_ups"].Num[i] = float64(min(r.FollowUps, 10))
		cols["powertrain"].Str[i] = r.Powertrain
		cols["prior_leads"].Num[i] = float64(min(r.PriorLeads, 5))
	}
	return f
}

// levelText is the Chinese reading of level of the CRM lead column col
// (codes of sources, budget bands, powertrains, contacts); other columns'
// levels (imported history) are shown as they are.
func levelText(col, level string) string {
	switch col {
	case "source":
		return sales.SourceLabel(level)
	case "budget":
		if t, ok := budgetText[level]; ok {
			return t
		}
	case "powertrain":
		if t, ok := powertrainText[level]; ok {
			return t
		}
	case "contact":
		if t, ok := contactText[level]; ok {
			return t
		}
	}
	return level
}

// phrase is the consultant's reading of column col of lead r.
func phrase(col string, r *leadRow) string {
	switch col {
	case "source":
		return "来源：" + sales.SourceLabel(r.Source)
	case "campaign":
		if r.Campaign {
			return "参加了市场活动"
		}
		return "未参加市场活动"
	case "test_drive":
		if r.TestDrive {
			return "已试驾"
		}
		return "尚未试驾"
	case "visits":
		if r.Visits == 0 {
			return "尚未到店"
		}
		return fmt.Sprintf("到店 %d 次", r.Visits)
	case "budget":
		return budgetText[budgetBand(r.BudgetFen, r.PriceFen)]
	case "city":
		return "城市：" + r.City
	case "response_hours":
		switch {
		case r.RespMins < 0:
			return "尚未首次联系"
		case r.RespMins > 24*60:
			return "首次响应超过 24 小时"
		case r.RespMins >= 120:
			return fmt.Sprintf("首次响应 %d 小时", r.RespMins/60)
		}
		return fmt.Sprintf("首次响应 %d 分钟", r.RespMins)
	case "follow_ups":
		if r.FollowUps == 0 {
			return "尚未跟进"
		}
		return fmt.Sprintf("已跟进 %d 次", r.FollowUps)
	case "powertrain":
		return "意向" + powertrainText[r.Powertrain] + "车型"
	case "contact":
		return "偏好" + contactText[r.Contact] + "联系"
	case "consent":
		if r.Consent {
			return "同意接收营销信息"
		}
		return "未同意营销信息"
	case "prior_leads":
		if r.PriorLeads == 0 {
			return "首次咨询"
		}
		return fmt.Sprintf("此前咨询过 %d 次", r.PriorLeads)
	}
	return col
}

// readLeads reads the leads matching cond (SQL on l, args) in id order,
// at most limit (0: all).
func readLeads(ctx context.Context, q db.Querier, cond string, limit int, args ...any) ([]*leadRow, error) {
	tail := " ORDER BY l.id"
	if limit > 0 {
		tail += " LIMIT " + itoa(int64(limit))
	}
	rows, err := q.QueryContext(ctx, leadSQL+" WHERE "+cond+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*leadRow
	for rows.Next() {
		r, err := scanLeadRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
