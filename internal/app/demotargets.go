package app

import (
	"context"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/site"
)

// demoTargets sets the monthly sales targets of a demo database when none
// are set, as the demo admin through the report service: for every store
// that sold in the last twelve months, for each of those months and the
// current one, a store target a little above the store's average month
// (90–120 % of it, varying by month, so that some months are met and some
// are not) and the same spread over its consultants. It returns the number
// of store-months set.
func demoTargets(ctx context.Context, d *db.DB, s *Services, now time.Time) (int, error) {
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_targets`).Scan(&n); err != nil || n > 0 {
		return 0, err
	}
	admin, err := s.Accounts.UserByLogin(ctx, identity.System(), "admin")
	if err != nil {
		return 0, err
	}
	local := now.In(site.Shanghai)
	first := time.Date(local.Year(), local.Month()-11, 1, 0, 0, 0, 0, site.Shanghai)
	type avg struct {
		store              int64
		orders, deliveries int64
		revenueFen         int64
	}
	rows, err := d.QueryContext(ctx, `SELECT store_id, COUNT(*), COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'delivered' THEN price_fen - discount_fen ELSE 0 END), 0)
		FROM vehicle_orders WHERE status <> 'cancelled' AND ordered_at >= $1 GROUP BY store_id ORDER BY store_id`, first.UTC())
	if err != nil {
		return 0, err
	}
	var stores []avg
	for rows.Next() {
		var a avg
		if err := rows.Scan(&a.store, &a.orders, &a.deliveries, &a.revenueFen); err != nil {
			rows.Close()
			return 0, err
		}
		stores = append(stores, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// per is a month's share of a year's total at pct percent, at least 1.
	per := func(total int64, pct int64, parts int64) string {
		v := (total*pct + 12*100*parts - 1) / (12 * 100 * parts)
		return strconv.FormatInt(max(v, 1), 10)
	}
	set := 0
	for i := range 13 {
		m := first.AddDate(0, i, 0)
		month := m.Format("2006-01")
		pct := int64(90 + 10*(int(m.Month())%4)) // 90, 100, 110, 120 %
		for _, a := range stores {
			sh, err := s.Reports.Targets(ctx, admin, month, a.store)
			if err != nil {
				return set, err
			}
			consultants := int64(len(sh.Rows) - 1)
			var in []report.TargetInput
			for _, t := range sh.Rows {
				parts := int64(1)
				if t.UserID != 0 {
					parts = consultants
				}
				in = append(in, report.TargetInput{UserID: t.UserID, Orders: per(a.orders, pct, parts), Deliveries: per(a.deliveries, pct, parts),
					Revenue: per(a.revenueFen/100, pct, parts)})
			}
			if err := s.Reports.SetTargets(ctx, admin, month, a.store, in); err != nil {
				return set, err
			}
			set++
		}
	}
	return set, nil
}
