package workorder

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/site"
)

func loadRating(ctx context.Context, q db.Querier, woID int64) (*Rating, error) {
	var r Rating
	var tags string
	err := q.QueryRowContext(ctx, `SELECT id, rating, tags, comment, created_at FROM work_order_ratings WHERE work_order_id = $1`, woID).
		Scan(&r.ID, &r.Rating, &tags, &r.Comment, &r.CreatedAt)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if tags != "" {
		r.Tags = strings.Split(tags, ",")
	}
	return &r, nil
}

// RateInput is an owner's rating.
type RateInput struct {
	Rating  int
	Tags    []string
	Comment string
}

// Rate records the acting owner's rating of their handed-over work order
// id. A rating of LowRating or lower opens a follow-up case for the
// center's staff, due within FollowUpDue, and notifies them, in the same
// transaction. Only the owner of the car may rate (NotFound for anyone
// else's work order, Forbidden for staff), only once (Conflict) and only
// after the hand-over (Conflict). Bad input is Invalid naming rating, tags
// or comment.
func (s *Service) Rate(ctx context.Context, actor *identity.User, id int64, in RateInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以评价")
	}
	in.Comment = strings.TrimSpace(in.Comment)
	var tags []string
	for _, t := range in.Tags {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	var v apperr.Validator
	v.Check(in.Rating >= 1 && in.Rating <= 5, "rating", "请选择 1 到 5 星")
	for _, t := range tags {
		v.Check(slices.Contains(RatingTags, t), "tags", "请从给出的标签中选择")
	}
	v.Check(utf8.RuneCountInString(in.Comment) <= maxComment, "comment", fmt.Sprintf("评价内容不能超过 %d 个字", maxComment))
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(actor, w) {
			return errNotFound
		}
		if w.Status != Closed {
			return apperr.New(apperr.Conflict, "交车后才能评价")
		}
		var rid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO work_order_ratings (work_order_id, customer_id, site_id, rating, tags, comment, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, w.CustomerID, w.SiteID, in.Rating, strings.Join(tags, ","), in.Comment, now).Scan(&rid)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "您已评价过这张工单，感谢您的反馈")
		}
		if err != nil {
			return err
		}
		detail := map[string]any{"rating": in.Rating, "tags": tags}
		if in.Rating <= LowRating {
			var fid int64
			due := now.Add(FollowUpDue)
			if err := tx.QueryRowContext(ctx, `INSERT INTO service_followups (work_order_id, rating_id, site_id, status, due_at, created_at)
				VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id`, id, rid, w.SiteID, due, now).Scan(&fid); err != nil {
				return err
			}
			detail["followup_id"] = fid
			body := fmt.Sprintf("车主%s为工单 %s（%s）打了 %d 星", w.CustomerName, w.Code, w.Vehicle(), in.Rating)
			if in.Comment != "" {
				body += "：" + in.Comment
			}
			body += fmt.Sprintf("。请在 %s 前回访。", due.In(site.Shanghai).Format("01-02 15:04"))
			if _, err := notify.NotifySiteStaff(ctx, tx, identity.RoleService, []int64{w.SiteID}, notify.Notification{
				Kind: notify.WorkOrderLowRating, Title: "差评待回访", Body: body, Link: "/service/follow-ups", CreatedAt: now,
			}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.rate", Entity: "work_orders", EntityID: id, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// FollowUp is a follow-up case opened by a low rating.
type FollowUp struct {
	ID            int64
	WorkOrderID   int64
	WorkOrderCode string
	CustomerName  string
	Mobile        string // masked
	Vehicle       string
	Rating        int
	Tags          []string
	Comment       string
	Status        string // open, closed
	DueAt         time.Time
	Resolution    string
	ClosedByName  string
	CreatedAt     time.Time
	ClosedAt      *time.Time
}

// Overdue reports whether the case is open past its due time at now.
func (f *FollowUp) Overdue(now time.Time) bool { return f.Status == "open" && now.After(f.DueAt) }

// StatusLabel is the case status in Chinese.
func (f *FollowUp) StatusLabel() string {
	if f.Status == "closed" {
		return "已回访"
	}
	return "待回访"
}

// FollowUps returns the follow-up cases of the acting service user's center
// (every center for an admin): status "open" (default, soonest due first),
// "closed" (newest first, at most 200) or "all". Other roles are Forbidden.
func (s *Service) FollowUps(ctx context.Context, actor *identity.User, status string) ([]*FollowUp, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) || actor.Is(identity.RoleService) && actor.SiteID == 0 {
		return nil, errNotStaff
	}
	args := []any{}
	where := ""
	if actor.Is(identity.RoleService) {
		args = append(args, actor.SiteID)
		where = " AND f.site_id = $1"
	}
	order := " ORDER BY f.due_at, f.id"
	switch status {
	case "", "open":
		where += " AND f.status = 'open'"
	case "closed":
		where += " AND f.status = 'closed'"
		order = " ORDER BY f.closed_at DESC, f.id DESC"
	case "all":
		order = " ORDER BY f.created_at DESC, f.id DESC"
	default:
		return nil, apperr.Field("status", "状态参数无效")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.id, f.work_order_id, w.code, c.name, c.mobile, m.name || ' ' || COALESCE(v.plate, ''),
		r.rating, r.tags, r.comment, f.status, f.due_at, f.resolution, COALESCE(u.display_name, ''), f.created_at, f.closed_at
		FROM service_followups f JOIN work_orders w ON w.id = f.work_order_id JOIN work_order_ratings r ON r.id = f.rating_id
		JOIN customers c ON c.id = w.customer_id JOIN vehicles v ON v.id = w.vehicle_id JOIN vehicle_models m ON m.id = v.model_id
		LEFT JOIN users u ON u.id = f.closed_by WHERE 1 = 1`+where+order+` LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FollowUp
	for rows.Next() {
		var f FollowUp
		var tags string
		var closed sql.NullTime
		if err := rows.Scan(&f.ID, &f.WorkOrderID, &f.WorkOrderCode, &f.CustomerName, &f.Mobile, &f.Vehicle, &f.Rating, &tags, &f.Comment,
			&f.Status, &f.DueAt, &f.Resolution, &f.ClosedByName, &f.CreatedAt, &closed); err != nil {
			return nil, err
		}
		f.Mobile = identity.MaskMobile(f.Mobile)
		if tags != "" {
			f.Tags = strings.Split(tags, ",")
		}
		f.ClosedAt = timePtr(closed)
		out = append(out, &f)
	}
	return out, rows.Err()
}

// CloseFollowUp records the outcome of follow-up case id (Invalid on
// resolution when empty or too long) and closes it. Service staff of its
// center and admins only (NotFound out of scope); a closed case is Conflict.
func (s *Service) CloseFollowUp(ctx context.Context, actor *identity.User, id int64, resolution string) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return errNotStaff
	}
	resolution = strings.TrimSpace(resolution)
	var v apperr.Validator
	v.Check(resolution != "", "resolution", "请填写回访结果")
	v.Check(utf8.RuneCountInString(resolution) <= maxComment, "resolution", fmt.Sprintf("回访结果不能超过 %d 个字", maxComment))
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var siteID, woID int64
		var st string
		err := tx.QueryRowContext(ctx, `SELECT site_id, work_order_id, status FROM service_followups WHERE id = $1`, id).Scan(&siteID, &woID, &st)
		if db.NoRows(err) || err == nil && actor.Is(identity.RoleService) && siteID != actor.SiteID {
			return apperr.New(apperr.NotFound, "回访工单不存在")
		}
		if err != nil {
			return err
		}
		if st != "open" {
			return apperr.New(apperr.Conflict, "该回访已完成")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE service_followups SET status = 'closed', resolution = $1, closed_by = $2, closed_at = $3
			WHERE id = $4 AND status = 'open'`, resolution, nullID(actor.ID), now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.followup_close", Entity: "work_orders", EntityID: woID,
			Detail: map[string]any{"followup_id": id, "resolution": resolution}})
	})
}
