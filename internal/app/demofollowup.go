package app

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// demoFollowUp gives the demo center a low rating to follow up when it has
// no open follow-up case (workorder.Service.FollowUps): the owner of the
// center's latest handed-over, unrated work order of the last week (one
// with an active owner account) rates it two stars with a comment, through
// the work-order service, which opens the case and notifies the center. It
// returns whether it added one.
func demoFollowUp(ctx context.Context, d *db.DB, s *Services, service *identity.User, now time.Time) (bool, error) {
	open, err := s.WorkOrders.FollowUps(ctx, service, "open")
	if err != nil || len(open) > 0 {
		return false, err
	}
	var woID, userID int64
	err = d.QueryRowContext(ctx, `SELECT w.id, u.id FROM work_orders w JOIN users u ON u.customer_id = w.customer_id AND u.role = 'owner' AND u.active = $1
		WHERE w.site_id = $2 AND w.status = 'closed' AND w.closed_at >= $3
		AND NOT EXISTS (SELECT 1 FROM work_order_ratings r WHERE r.work_order_id = w.id)
		ORDER BY w.closed_at DESC, w.id DESC LIMIT 1`, true, service.SiteID, now.AddDate(0, 0, -7).UTC()).Scan(&woID, &userID)
	if db.NoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	owner, err := s.Accounts.User(ctx, userID)
	if err != nil {
		return false, err
	}
	if _, err := s.WorkOrders.Rate(ctx, owner, woID, workorder.RateInput{Rating: 2, Tags: []string{"等待太久", "沟通不清"},
		Comment: "约好上午十点，结果等了一个多小时才开工，进度也没人告诉我。"}); err != nil {
		return false, err
	}
	return true, nil
}
