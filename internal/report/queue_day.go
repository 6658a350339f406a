package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// CenterDay is one service center's appointments of a day: its own and
// those of the stations it is responsible for, as its queue lists them.
type CenterDay struct {
	ID     int64
	Name   string
	City   string
	Counts []int // per status, in the order of booking.Statuses
	Total  int
}

// N returns the number of appointments in status st.
func (c *CenterDay) N(st booking.Status) int {
	if i := slices.Index(booking.Statuses, st); i >= 0 && i < len(c.Counts) {
		return c.Counts[i]
	}
	return 0
}

// DaySummary is a day's appointments per service center, by status.
type DaySummary struct {
	Date string
	// Sort is the order of Centers: "" busiest first, "name" by city and
	// name, or a status: most appointments in that status first.
	Sort    string
	Centers []*CenterDay // the service centers with appointments that day
	Idle    []*CenterDay // the open service centers without any, by city and name
	All     CenterDay    // every site's appointments together (ID 0)
	// Outside counts the appointments at sites no service center is
	// responsible for (stores, stations without a center): in All, in no
	// center's queue.
	Outside int
}

// QueueSorts are the orders DayQueues accepts besides "" (busiest first).
var QueueSorts = func() []string {
	out := []string{"name"}
	for _, st := range booking.Statuses {
		out = append(out, string(st))
	}
	return out
}()

// DayQueues returns, for an admin, the appointments of local date
// ("2006-01-02"; "" is today) per service center and status, with the
// centers in order sort (see DaySummary.Sort; an unknown sort is ""). It
// reads the day rollup of migration 00021 (report_appointment_days), which
// triggers keep equal to the appointments table, so the counts are the
// ones each center's queue shows. A bad date is Invalid naming date; other
// roles than admin are Forbidden.
func (s *Service) DayQueues(ctx context.Context, actor *identity.User, date, sort string) (*DaySummary, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以查看全部服务中心的预约")
	}
	if date == "" {
		date = s.now().In(site.Shanghai).Format("2006-01-02")
	}
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return nil, apperr.Field("date", "请选择有效的日期，例如 "+s.now().In(site.Shanghai).Format("2006-01-02"))
	}
	if !slices.Contains(QueueSorts, sort) {
		sort = ""
	}
	d := &DaySummary{Date: date, Sort: sort, All: CenterDay{Counts: make([]int, len(booking.Statuses))}}
	centers := map[int64]*CenterDay{}
	var open []*CenterDay
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, city, status = 'open' FROM sites WHERE kind = 'service_center' ORDER BY city, name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c := &CenterDay{Counts: make([]int, len(booking.Statuses))}
		var isOpen bool
		if err := rows.Scan(&c.ID, &c.Name, &c.City, &isOpen); err != nil {
			return nil, err
		}
		centers[c.ID] = c
		if isOpen {
			open = append(open, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// A station counts for its center (parent), a center for itself, as
	// in the queue's scope; anything else is outside every queue.
	rows, err = s.db.QueryContext(ctx, `SELECT COALESCE(s.parent_id, s.id), r.status, CAST(SUM(r.n) AS BIGINT)
		FROM report_appointment_days r JOIN sites s ON s.id = r.site_id
		WHERE r.day = $1 GROUP BY 1, 2 HAVING SUM(r.n) > 0`, date)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var center int64
		var status string
		var n int
		if err := rows.Scan(&center, &status, &n); err != nil {
			return nil, err
		}
		i := slices.Index(booking.Statuses, booking.Status(status))
		if i < 0 {
			continue
		}
		d.All.Counts[i] += n
		d.All.Total += n
		c := centers[center]
		if c == nil {
			d.Outside += n
			continue
		}
		c.Counts[i] += n
		c.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range centers {
		if c.Total > 0 {
			d.Centers = append(d.Centers, c)
		}
	}
	for _, c := range open {
		if c.Total == 0 {
			d.Idle = append(d.Idle, c)
		}
	}
	byName := func(a, b *CenterDay) int {
		return cmp.Or(cmp.Compare(a.City, b.City), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}
	key := func(c *CenterDay) int { return c.Total }
	if i := slices.Index(booking.Statuses, booking.Status(sort)); i >= 0 {
		key = func(c *CenterDay) int { return c.Counts[i] }
	}
	slices.SortFunc(d.Centers, func(a, b *CenterDay) int {
		if sort == "name" {
			return byName(a, b)
		}
		return cmp.Or(cmp.Compare(key(b), key(a)), cmp.Compare(b.Total, a.Total), byName(a, b))
	})
	return d, nil
}
