package report

import (
	"context"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// OnTimeGrace is how late after its slot's start service may begin and
// still count as on time.
const OnTimeGrace = 15 * time.Minute

// KPIFilter chooses the period (local dates, both included; default the
// last 30 days up to today) and, for admins, one center (0: all).
type KPIFilter struct {
	From, To string
	SiteID   int64
}

// ServiceKPIs are a service center's figures over a period.
type ServiceKPIs struct {
	From, To      string
	SiteName      string // "" for every center (admins)
	ByStatus      []Count
	Scheduled     int     // appointments in the period
	Started       int     // of which service started
	OnTime        int     // of which started no later than OnTimeGrace after the slot
	OnTimeRate    float64 // OnTime / Started, 0..1
	AvgMinutes    float64 // average service duration of completed appointments
	Completed     int
	NoShows       int
	NoShowRate    float64 // NoShows / Scheduled
	Ratings       int
	AvgRating     float64
	LowRatings    int // 2 stars or fewer
	Stars         [5]int
	OpenCases     int // open follow-up cases now
	WorkOrders    int // finished (completed or handed over) in the period
	PartsFen      int64
	LabourFen     int64
	GrossFen      int64
	WarrantyFen   int64
	WarrantyShare float64 // WarrantyFen / GrossFen
}

// StatusChart is the appointments-by-status breakdown as chart JSON.
func (k *ServiceKPIs) StatusChart() (string, error) {
	ov := Overview{Breakdown: k.ByStatus}
	return ov.Chart("pie", "预约")
}

// minutesBetween is the SQL for the minutes from a to b in d's dialect
// (whole seconds on SQLite, whose julianday arithmetic would put a start
// exactly 15 minutes late a hair over 15).
func minutesBetween(d db.Dialect, a, b string) string {
	if d == db.Postgres {
		return fmt.Sprintf("(EXTRACT(EPOCH FROM (%s - %s)) / 60.0)", b, a)
	}
	return fmt.Sprintf("(round((julianday(%s) - julianday(%s)) * 86400.0) / 60.0)", b, a)
}

// ServiceKPIs returns the KPIs of the acting service user's center (the
// appointments of the center and of the stations it is responsible for, its
// work orders, ratings and follow-up cases) over f's period; an admin gets
// every center's, or f.SiteID's. Other roles are Forbidden; bad dates are
// Invalid naming from or to.
func (s *Service) ServiceKPIs(ctx context.Context, actor *identity.User, f KPIFilter) (*ServiceKPIs, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) || actor.Is(identity.RoleService) && actor.SiteID == 0 {
		return nil, apperr.New(apperr.Forbidden, "无权查看服务看板")
	}
	today := s.now().In(site.Shanghai)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, site.Shanghai)
	from := to.AddDate(0, 0, -29)
	var v apperr.Validator
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, site.Shanghai)
		v.Check(err == nil, "from", "请输入有效日期，例如 2026-11-01")
		from = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, site.Shanghai)
		v.Check(err == nil, "to", "请输入有效日期，例如 2026-11-30")
		to = t
	}
	v.Check(!to.Before(from), "to", "结束日期不能早于开始日期")
	v.Check(to.Sub(from) <= 366*24*time.Hour, "from", "统计区间最长一年")
	if err := v.Err(); err != nil {
		return nil, err
	}
	k := &ServiceKPIs{From: from.Format("2006-01-02"), To: to.Format("2006-01-02")}
	lo, hi := from.UTC(), to.AddDate(0, 0, 1).UTC()
	center := f.SiteID
	if actor.Is(identity.RoleService) {
		center = actor.SiteID
	}
	// Appointments: the center and its stations, as the queue shows them.
	apptScope, woScope := "", ""
	args := []any{lo, hi}
	if center != 0 {
		args = append(args, center)
		apptScope = " AND a.site_id IN (SELECT id FROM sites WHERE id = $3 OR parent_id = $3)"
		woScope = " AND site_id = $3"
		if err := s.db.QueryRowContext(ctx, `SELECT name FROM sites WHERE id = $1`, center).Scan(&k.SiteName); err != nil {
			if db.NoRows(err) {
				return nil, apperr.Field("site_id", "服务中心不存在")
			}
			return nil, err
		}
	}
	byStatus := map[string]int{}
	rows, err := s.db.QueryContext(ctx, `SELECT a.status, COUNT(*) FROM appointments a
		WHERE a.scheduled_at >= $1 AND a.scheduled_at < $2`+apptScope+` GROUP BY a.status`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return nil, err
		}
		byStatus[st] = n
		k.Scheduled += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, st := range booking.Statuses {
		k.ByStatus = append(k.ByStatus, Count{Key: string(st), Label: st.Label(), N: byStatus[string(st)]})
	}
	k.NoShows, k.Completed = byStatus[string(booking.NoShow)], byStatus[string(booking.Completed)]
	late := minutesBetween(s.db.Dialect, "a.scheduled_at", "a.started_at")
	dur := minutesBetween(s.db.Dialect, "a.started_at", "a.completed_at")
	var avg *float64
	if err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(a.started_at),
		COALESCE(SUM(CASE WHEN a.started_at IS NOT NULL AND %s <= %d THEN 1 ELSE 0 END), 0),
		CAST(AVG(CASE WHEN a.status = 'completed' AND a.completed_at IS NOT NULL AND a.started_at IS NOT NULL THEN %s END) AS DOUBLE PRECISION)
		FROM appointments a WHERE a.scheduled_at >= $1 AND a.scheduled_at < $2`+apptScope, late, int(OnTimeGrace/time.Minute), dur),
		args...).Scan(&k.Started, &k.OnTime, &avg); err != nil {
		return nil, err
	}
	if avg != nil {
		k.AvgMinutes = *avg
	}
	if k.Started > 0 {
		k.OnTimeRate = float64(k.OnTime) / float64(k.Started)
	}
	if k.Scheduled > 0 {
		k.NoShowRate = float64(k.NoShows) / float64(k.Scheduled)
	}
	// Ratings given in the period.
	rows, err = s.db.QueryContext(ctx, `SELECT rating, COUNT(*) FROM work_order_ratings WHERE created_at >= $1 AND created_at < $2`+woScope+
		` GROUP BY rating`, args...)
	if err != nil {
		return nil, err
	}
	sum := 0
	for rows.Next() {
		var r, n int
		if err := rows.Scan(&r, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if r >= 1 && r <= 5 {
			k.Stars[r-1] = n
		}
		k.Ratings += n
		sum += r * n
		if r <= 2 {
			k.LowRatings += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if k.Ratings > 0 {
		k.AvgRating = float64(sum) / float64(k.Ratings)
	}
	// Work orders finished in the period: parts, labour, warranty share.
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(parts_fen), 0), COALESCE(SUM(labour_fen), 0), COALESCE(SUM(warranty_fen), 0)
		FROM work_orders WHERE status IN ('completed', 'closed') AND completed_at >= $1 AND completed_at < $2`+woScope, args...).
		Scan(&k.WorkOrders, &k.PartsFen, &k.LabourFen, &k.WarrantyFen); err != nil {
		return nil, err
	}
	k.GrossFen = k.PartsFen + k.LabourFen
	if k.GrossFen > 0 {
		k.WarrantyShare = float64(k.WarrantyFen) / float64(k.GrossFen)
	}
	caseArgs := []any{}
	caseScope := ""
	if center != 0 {
		caseArgs, caseScope = []any{center}, " AND site_id = $1"
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_followups WHERE status = 'open'`+caseScope, caseArgs...).Scan(&k.OpenCases); err != nil {
		return nil, err
	}
	return k, nil
}
