package campaign

import (
	"context"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// PointReasons are why points were earned (campaign_points.reason).
var PointReasons = []Code{{"check_in", "活动签到"}, {"sign_up", "活动报名"}, {"referral", "推荐好友购车"}}

// PointsEntry is one row of the points ledger.
type PointsEntry struct {
	ID           int64     `json:"id"`
	CustomerID   int64     `json:"customer_id"`
	CustomerName string    `json:"customer_name,omitempty"` // staff view only, masked
	Points       int64     `json:"points"`
	Reason       string    `json:"reason"`
	SourceID     int64     `json:"source_id"` // the participation (check_in, sign_up) or referral that earned it
	CampaignID   int64     `json:"campaign_id"`
	CampaignName string    `json:"campaign_name"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

// ReasonLabel is the reason's Chinese name.
func (e *PointsEntry) ReasonLabel() string { return label(PointReasons, e.Reason) }

// grantPoints appends points to customer's ledger for reason, earned by
// row sourceID of campaign c. The ledger's unique (reason, source_id) makes
// the grant happen once: a second grant for the same source (a retry, a
// concurrent job) inserts nothing and reports false.
func grantPoints(ctx context.Context, q db.Querier, c *Campaign, customerID, points int64, reason string, sourceID int64, note string,
	by int64, now time.Time) (bool, error) {
	if points <= 0 {
		return false, nil
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO campaign_points (customer_id, points, reason, source_id, campaign_id, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (reason, source_id) DO NOTHING RETURNING id`,
		customerID, points, reason, sourceID, c.ID, note, nullID(by), now).Scan(&id)
	if db.NoRows(err) {
		return false, nil
	}
	return err == nil, err
}

const pointsColumns = `p.id, p.customer_id, p.points, p.reason, p.source_id, p.campaign_id, c.name, p.note, p.created_at`

func pointsEntries(ctx context.Context, q db.Querier, where string, limit int, args ...any) ([]*PointsEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+pointsColumns+`, cu.name FROM campaign_points p JOIN campaigns c ON c.id = p.campaign_id
		JOIN customers cu ON cu.id = p.customer_id WHERE `+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*PointsEntry
	for rows.Next() {
		var e PointsEntry
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.Points, &e.Reason, &e.SourceID, &e.CampaignID, &e.CampaignName, &e.Note, &e.CreatedAt,
			&e.CustomerName); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

// balance is customer's points: the sum of their ledger.
func balance(ctx context.Context, q db.Querier, customerID int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0) FROM campaign_points WHERE customer_id = $1`, customerID).Scan(&n)
	return n, err
}

// Points is a customer's balance and latest ledger rows.
type Points struct {
	Balance int64          `json:"balance"`
	History []*PointsEntry `json:"history"` // newest first, at most 100
}

// OwnerPoints returns the owner's points balance and history (newest
// first, at most 100 rows). Owners only (Forbidden for others).
func (s *Service) OwnerPoints(ctx context.Context, actor *identity.User) (*Points, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	return s.points(ctx, actor.CustomerID)
}

func (s *Service) points(ctx context.Context, customerID int64) (*Points, error) {
	b, err := balance(ctx, s.db, customerID)
	if err != nil {
		return nil, err
	}
	h, err := pointsEntries(ctx, s.db, `p.customer_id = $1`, 100, customerID)
	if err != nil {
		return nil, err
	}
	for _, e := range h {
		e.CustomerName = ""
	}
	return &Points{Balance: b, History: h}, nil
}

// CampaignPoints is what a campaign granted: the total and the latest rows.
type CampaignPoints struct {
	Total   int64          `json:"total"`
	Grants  int            `json:"grants"`
	Entries []*PointsEntry `json:"entries"` // newest first, at most limit; names masked
}

// CampaignPoints returns the points campaign id granted (staff view: total,
// number of grants and the latest limit rows, 1–500, names masked).
// Permissions as for Get.
func (s *Service) CampaignPoints(ctx context.Context, actor *identity.User, id int64, limit int) (*CampaignPoints, error) {
	if _, err := s.visible(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 500)
	out := &CampaignPoints{}
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0), COUNT(*) FROM campaign_points WHERE campaign_id = $1`, id).
		Scan(&out.Total, &out.Grants); err != nil {
		return nil, err
	}
	list, err := pointsEntries(ctx, s.db, `p.campaign_id = $1`, limit, id)
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		e.CustomerName = maskName(e.CustomerName)
	}
	out.Entries = list
	return out, nil
}
