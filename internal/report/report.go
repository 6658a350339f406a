// Package report computes the dashboard figures of each role. The full sales
// analytics come in their own area; this is the overview the dashboards show.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Count is a labelled number.
type Count struct {
	Key   string
	Label string
	N     int
}

// Overview is a dashboard's figures.
type Overview struct {
	Tiles []Count
	// Breakdown is a per-status or per-stage split for the chart.
	Breakdown []Count
}

// Chart returns the breakdown as the JSON a chart element reads:
// {"type": kind, "name": name, "labels": [...], "values": [...], "keys":
// [...]}; the keys (statuses) let the chart use the product's status colours.
func (o *Overview) Chart(kind, name string) (string, error) {
	d := struct {
		Type   string   `json:"type"`
		Name   string   `json:"name"`
		Labels []string `json:"labels"`
		Values []int    `json:"values"`
		Keys   []string `json:"keys"`
	}{Type: kind, Name: name, Labels: []string{}, Values: []int{}, Keys: []string{}}
	for _, c := range o.Breakdown {
		d.Labels = append(d.Labels, c.Label)
		d.Values = append(d.Values, c.N)
		d.Keys = append(d.Keys, c.Key)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// Service computes overviews.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

var stageLabels = []Count{{Key: "lead", Label: "线索"}, {Key: "interested", Label: "意向"}, {Key: "test_drive", Label: "试驾"},
	{Key: "negotiation", Label: "洽谈"}, {Key: "ordered", Label: "已下单"}, {Key: "delivered", Label: "已交付"}, {Key: "lost", Label: "已流失"}}

// Sales returns the acting sales user's store overview: customers by
// buying-journey stage, open leads, orders in the last 30 days.
func (s *Service) Sales(ctx context.Context, actor *identity.User) (*Overview, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleSales, identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "无权查看销售概览")
	}
	// A sales user sees their store; an admin (no store) sees every store.
	// The condition is left out rather than written "$1 = 0 OR ...", which
	// would keep SQLite from using the store indexes.
	where, args := "", []any{}
	if actor.SiteID != 0 {
		where, args = "store_id = $1 AND ", []any{actor.SiteID}
	}
	arg := func(v any) []any { return append(append([]any{}, args...), v) }
	next := fmt.Sprintf("$%d", len(args)+1)
	ov := &Overview{}
	byStage := map[string]int{}
	// Customers by stage and open leads come from the counters the
	// triggers of migration 00016 keep (report_customer_stages,
	// report_lead_statuses): a few rows instead of a million.
	rows, err := s.db.QueryContext(ctx, `SELECT stage, CAST(SUM(n) AS BIGINT) FROM report_customer_stages WHERE `+where+`1 = 1 GROUP BY stage`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		byStage[k] = n
		total += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range stageLabels {
		c.N = byStage[c.Key]
		ov.Breakdown = append(ov.Breakdown, c)
	}
	var openLeads, orders int
	if err := s.db.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM report_lead_statuses WHERE `+where+`status IN ('new', 'contacted', 'qualified')`, args...).Scan(&openLeads); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vehicle_orders WHERE `+where+`ordered_at >= `+next, arg(s.now().AddDate(0, 0, -30))...).Scan(&orders); err != nil {
		return nil, err
	}
	ov.Tiles = []Count{{Key: "customers", Label: "客户总数", N: total}, {Key: "open_leads", Label: "跟进中线索", N: openLeads}, {Key: "orders_30d", Label: "近 30 天订单", N: orders}}
	return ov, nil
}

// Admin returns system-wide totals.
func (s *Service) Admin(ctx context.Context, actor *identity.User) (*Overview, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "无权查看系统概览")
	}
	ov := &Overview{}
	for _, q := range []struct{ key, label, sql string }{
		// Customers from the counter the triggers of migration 00016 keep.
		{"customers", "客户", `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM report_customer_stages`},
		{"vehicles", "车辆", `SELECT COUNT(*) FROM vehicles`},
		{"sites", "网点", `SELECT COUNT(*) FROM sites`},
		{"staff", "员工账号", `SELECT COUNT(*) FROM users WHERE role <> 'owner'`},
	} {
		c := Count{Key: q.key, Label: q.label}
		if err := s.db.QueryRowContext(ctx, q.sql).Scan(&c.N); err != nil {
			return nil, err
		}
		ov.Tiles = append(ov.Tiles, c)
	}
	// Appointments of the last 30 local days (today and the 29 before)
	// from the rollup the triggers of migration 00021 keep.
	since := s.now().In(site.Shanghai).AddDate(0, 0, -29).Format("2006-01-02")
	rows, err := s.db.QueryContext(ctx, `SELECT status, CAST(SUM(n) AS BIGINT) FROM report_appointment_days WHERE day >= $1 GROUP BY status HAVING SUM(n) > 0 ORDER BY status`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, err
		}
		c.Label = booking.Status(c.Key).Label()
		ov.Breakdown = append(ov.Breakdown, c)
	}
	// Lifecycle order, as every legend and filter shows the statuses.
	slices.SortFunc(ov.Breakdown, func(a, b Count) int {
		return slices.Index(booking.Statuses, booking.Status(a.Key)) - slices.Index(booking.Statuses, booking.Status(b.Key))
	})
	return ov, rows.Err()
}

// Now is the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }
