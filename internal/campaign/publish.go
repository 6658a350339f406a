package campaign

import (
	"context"
	"database/sql"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// PublishJob is the background job that takes a published campaign's
// audience and notifies it (BuildAudience).
type PublishJob struct {
	CampaignID int64 `json:"campaign_id"`
}

// Kind names the publish job.
func (PublishJob) Kind() string { return "campaign_publish" }

// Publish moves draft campaign id to published and starts taking its
// audience: in a background job (UsePublishJob) enqueued in the same
// transaction, whose id the campaign records for its progress bar; without
// one, inline. A campaign that has already ended is Invalid on ends_at.
//
// Permissions as for Update; Conflict unless it is a draft.
func (s *Service) Publish(ctx context.Context, actor *identity.User, id int64) (*Campaign, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.managed(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if c.Status != "draft" {
			return apperr.New(apperr.Conflict, "只有草稿可以发布")
		}
		if !c.EndsAt.After(now) {
			return apperr.Field("ends_at", "活动结束时间已过，请先修改活动时间")
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'published', published_at = $1, updated_at = $1 WHERE id = $2 AND status = 'draft'`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if s.enqueue != nil {
			job, err := s.enqueue(ctx, tx, actor, id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET publish_job_id = $1 WHERE id = $2`, job, id); err != nil {
				return err
			}
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_publish", Entity: "campaigns", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	if s.enqueue == nil {
		if err := s.BuildAudience(ctx, identity.System(), id, nil); err != nil {
			return nil, err
		}
	}
	return get(ctx, s.db, id)
}

// Progress receives a long task's progress (jobs.Progress satisfies it).
type Progress interface {
	SetTotal(ctx context.Context, total int64)
	Add(ctx context.Context, n int64)
}

// AudienceBatch is how many customers one transaction of BuildAudience
// handles.
const AudienceBatch = 500

// InHoldout reports whether customer falls in campaign's hold-out group at
// share pct (0–100): a hash of both ids, so the split is the same on every
// retry and independent of the order customers are read in.
func InHoldout(campaignID, customerID int64, pct int) bool {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strconv.FormatInt(campaignID, 10) + ":" + strconv.FormatInt(customerID, 10)))
	return int(h.Sum64()%10000) < pct*100
}

// BuildAudience takes the audience of published campaign id: every
// customer the segment selects who gave marketing consent (PIPL: the others
// are only counted), split by InHoldout into the target and hold-out
// groups, in batches of AudienceBatch by customer id. Each target member
// gets an in-app notification (customers without an owner account cannot be
// reached in-app) and its notified_at; hold-out members are never
// contacted. Idempotent: a retried job continues where the last attempt
// stopped. Finally the campaign records the audience, hold-out, left-out
// and reached counts.
//
// The system (the job) and admins may call it (Forbidden otherwise).
func (s *Service) BuildAudience(ctx context.Context, actor *identity.User, id int64, p Progress) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleSystem, identity.RoleAdmin) {
		return apperr.New(apperr.Forbidden, "只有系统可以生成活动受众")
	}
	c, err := get(ctx, s.db, id)
	if err != nil {
		return err
	}
	if c.Status == "draft" {
		return apperr.New(apperr.Conflict, "活动尚未发布")
	}
	list, err := rules(ctx, s.db, id)
	if err != nil {
		return err
	}
	at := c.PublishedAt
	if at.IsZero() {
		at = s.now()
	}
	cnt, err := s.count(ctx, list, c.City, c.HoldoutPct)
	if err != nil {
		return err
	}
	if p != nil {
		p.SetTotal(ctx, int64(cnt.Consented))
	}
	w := segmentWhere(list, c.City, at)
	w.And("c.consent_marketing = " + w.Arg(true))
	var last int64
	title := "活动邀请：" + c.Name
	body := c.KindLabel() + "，" + c.StartsAt.In(Shanghai).Format("01-02 15:04") + " 开始"
	if c.Place != "" {
		body += "，地点 " + c.Place
	}
	if c.BenefitText != "" {
		body += "。" + c.BenefitText
	}
	body += "。点击查看详情并报名。"
	for {
		ww := w.Clone()
		ww.And("c.id > " + ww.Arg(last))
		rows, err := s.db.QueryContext(ctx, `SELECT c.id FROM customers c`+ww.SQL()+` ORDER BY c.id LIMIT `+strconv.Itoa(AudienceBatch), ww.Args...)
		if err != nil {
			return err
		}
		var batch []int64
		for rows.Next() {
			var cid int64
			if err := rows.Scan(&cid); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, cid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		last = batch[len(batch)-1]
		now := s.now()
		err = s.db.InTx(ctx, func(tx *sql.Tx) error {
			for _, cid := range batch {
				arm := "target"
				if InHoldout(id, cid, c.HoldoutPct) {
					arm = "holdout"
				}
				res, err := tx.ExecContext(ctx, `INSERT INTO campaign_audience (campaign_id, customer_id, arm, added_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (campaign_id, customer_id) DO NOTHING`, id, cid, arm, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 || arm != "target" {
					continue
				}
				sent, err := notify.NotifyCustomer(ctx, tx, cid, notify.Notification{Kind: KindInvite, Title: title, Body: body, Link: ownerLink(id), CreatedAt: now})
				if err != nil {
					return err
				}
				if sent > 0 {
					if _, err := tx.ExecContext(ctx, `UPDATE campaign_audience SET notified_at = $1 WHERE campaign_id = $2 AND customer_id = $3`, now, id, cid); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if p != nil {
			p.Add(ctx, int64(len(batch)))
		}
	}
	_, err = s.db.ExecContext(ctx, `UPDATE campaigns SET
			audience_size = (SELECT COUNT(*) FROM campaign_audience WHERE campaign_id = $1),
			holdout_size = (SELECT COUNT(*) FROM campaign_audience WHERE campaign_id = $1 AND arm = 'holdout'),
			reached_count = (SELECT COUNT(*) FROM campaign_audience WHERE campaign_id = $1 AND notified_at IS NOT NULL),
			no_consent_size = $2, updated_at = $3
		WHERE id = $1`, id, cnt.NoConsent, s.now())
	if err != nil {
		return err
	}
	return dropEffect(ctx, s.db, id)
}

// Costs -------------------------------------------------------------------

// Cost is one actual cost line of a campaign.
type Cost struct {
	ID        int64     `json:"id"`
	Item      string    `json:"item"`
	AmountFen int64     `json:"amount_fen"`
	SpentOn   string    `json:"spent_on"` // 2006-01-02
	Note      string    `json:"note"`
	ByName    string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
}

// Costs returns campaign id's cost lines by date. Permissions as for Get.
func (s *Service) Costs(ctx context.Context, actor *identity.User, id int64) ([]*Cost, error) {
	if _, err := s.visible(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT k.id, k.item, k.amount_fen, k.spent_on, k.note, COALESCE(u.display_name, ''), k.created_at
		FROM campaign_costs k LEFT JOIN users u ON u.id = k.created_by WHERE k.campaign_id = $1 ORDER BY k.spent_on, k.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Cost
	for rows.Next() {
		var k Cost
		var day time.Time
		if err := rows.Scan(&k.ID, &k.Item, &k.AmountFen, &day, &k.Note, &k.ByName, &k.CreatedAt); err != nil {
			return nil, err
		}
		k.SpentOn = day.Format("2006-01-02")
		out = append(out, &k)
	}
	return out, rows.Err()
}

// CostInput is a new cost line.
type CostInput struct {
	Item      string
	AmountFen int64
	SpentOn   string // 2006-01-02, Shanghai date
	Note      string
}

// AddCost records a cost line and keeps campaigns.cost_fen their sum.
// Permissions as for Update (any status but archived); Invalid on item,
// amount, spent_on, note.
func (s *Service) AddCost(ctx context.Context, actor *identity.User, id int64, in CostInput) (*Cost, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	trimmed(&v, &in.Item, "item", 1, 40, "请填写费用项目（不超过 40 字）")
	v.Check(in.AmountFen > 0 && in.AmountFen <= 1_000_000_000_00, "amount", "金额须大于 0 且不超过 10 亿元")
	day, err := time.Parse("2006-01-02", in.SpentOn)
	v.Check(err == nil, "spent_on", "请输入有效日期，例如 2026-11-01")
	trimmed(&v, &in.Note, "note", 0, 200, "备注不能超过 200 字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var cid int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.managed(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if c.Status == "archived" {
			return apperr.New(apperr.Conflict, "活动已归档，不能再记录费用")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaign_costs (campaign_id, item, amount_fen, spent_on, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, in.Item, in.AmountFen, day, in.Note, nullID(identity.ID(actor)), now).Scan(&cid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET cost_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM campaign_costs WHERE campaign_id = $1),
			updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if err := dropEffect(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "campaign_cost", Entity: "campaigns", EntityID: id,
			Detail: map[string]any{"item": in.Item, "amount_fen": in.AmountFen}})
	})
	if err != nil {
		return nil, err
	}
	return &Cost{ID: cid, Item: in.Item, AmountFen: in.AmountFen, SpentOn: in.SpentOn, Note: in.Note, ByName: actor.DisplayName, CreatedAt: now}, nil
}
