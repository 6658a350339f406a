package campaign

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// ReferralCode is an owner's personal code for a campaign.
type ReferralCode struct {
	ID         int64  `json:"id"`
	CampaignID int64  `json:"campaign_id"`
	Code       string `json:"code"`
	Link       string `json:"link"` // path of the friend's page: /r/{code}
	Referred   int    `json:"referred"`
	Rewarded   int    `json:"rewarded"`
}

func referralCode(ctx context.Context, q db.Querier, campaignID, customerID int64) (*ReferralCode, error) {
	var r ReferralCode
	err := q.QueryRowContext(ctx, `SELECT k.id, k.campaign_id, k.code,
			(SELECT COUNT(*) FROM campaign_referrals f WHERE f.code_id = k.id),
			(SELECT COUNT(*) FROM campaign_referrals f WHERE f.code_id = k.id AND f.rewarded_at IS NOT NULL)
		FROM campaign_referral_codes k WHERE k.campaign_id = $1 AND k.customer_id = $2`, campaignID, customerID).Scan(&r.ID, &r.CampaignID, &r.Code, &r.Referred, &r.Rewarded)
	if db.NoRows(err) {
		return nil, nil
	}
	r.Link = "/r/" + r.Code
	return &r, err
}

// ReferralCode returns the owner's personal referral code of campaign id,
// creating it on first use. The campaign must be one they may see and open
// (published or running).
//
// Owners only. NotFound for a campaign they may not see; Conflict when it
// is not open.
func (s *Service) ReferralCode(ctx context.Context, actor *identity.User, id int64) (*ReferralCode, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	v, err := s.OwnerCampaign(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if v.Referral != nil {
		return v.Referral, nil
	}
	if !v.Campaign.Open() {
		return nil, apperr.New(apperr.Conflict, "活动"+v.Campaign.StatusLabel()+"，不能再推荐")
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		for {
			code := randomCode(couponAlphabet, 8)
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_referral_codes WHERE code = $1`, code).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO campaign_referral_codes (campaign_id, customer_id, code, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (campaign_id, customer_id) DO NOTHING`, id, actor.CustomerID, code, now)
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return referralCode(ctx, s.db, id, actor.CustomerID)
}

// Referral is what the friend's page shows about a code.
type Referral struct {
	Code         string    `json:"code"`
	CampaignID   int64     `json:"campaign_id"`
	CampaignName string    `json:"campaign_name"`
	Kind         string    `json:"kind"`
	Description  string    `json:"description"`
	Cover        string    `json:"cover"`
	StartsAt     time.Time `json:"starts_at"`
	Place        string    `json:"place"`
	Referrer     string    `json:"referrer"` // surname and a mask: 王**
	City         string    `json:"city"`
	Open         bool      `json:"open"`
	codeID       int64
	referrerID   int64
	storeID      int64
}

// CoverName is the built-in cover of the campaign.
func (r *Referral) CoverName() string { return coverFor(r.Cover, r.Kind) }

// CoverURL is the address of the uploaded cover ("": a built-in one).
func (r *Referral) CoverURL() string { return coverURL(r.Cover, r.CampaignID, time.Time{}) }

// maskName keeps the first character of a name.
func maskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(1, len(r)-1))
}

func referralByCode(ctx context.Context, q db.Querier, code string) (*Referral, error) {
	code = normalizeCode(code)
	var r Referral
	var custStore sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT k.id, k.code, c.id, c.name, c.kind, c.description, c.cover, c.starts_at, c.place, cu.name, cu.id, c.city,
			c.status IN ('published', 'running'), COALESCE(c.store_id, 0), cu.store_id
		FROM campaign_referral_codes k JOIN campaigns c ON c.id = k.campaign_id JOIN customers cu ON cu.id = k.customer_id WHERE k.code = $1`, code).
		Scan(&r.codeID, &r.Code, &r.CampaignID, &r.CampaignName, &r.Kind, &r.Description, &r.Cover, &r.StartsAt, &r.Place, &r.Referrer, &r.referrerID,
			&r.City, &r.Open, &r.storeID, &custStore)
	if db.NoRows(err) || code == "" {
		return nil, apperr.New(apperr.NotFound, "推荐链接无效或已失效")
	}
	if err != nil {
		return nil, err
	}
	if r.storeID == 0 {
		r.storeID = custStore.Int64
	}
	r.Referrer = maskName(r.Referrer)
	r.StartsAt = r.StartsAt.UTC()
	return &r, nil
}

// LookupReferral returns what a friend's page shows for code. Anyone may
// call it (the page is public); an unknown code is NotFound.
func (s *Service) LookupReferral(ctx context.Context, code string) (*Referral, error) {
	return referralByCode(ctx, s.db, code)
}

// FriendInput is what a referred friend leaves.
type FriendInput struct {
	Name    string
	Mobile  string
	City    string
	ModelID int64
	Note    string
}

// SubmitReferral records a friend who came through referral code: a lead
// with source 转介绍 (referral) linked to the campaign, created through the
// sales service as the system (the friend becomes a prospect when the
// mobile is new; the lead goes to the campaign's store, else the referrer's),
// and a referral row linking the lead to the referrer, who is notified. The
// referrer earns the reward when the friend buys (OrderPlacedTx).
//
// Anyone may call it (the friend has no account). NotFound for an unknown
// code; Conflict when the campaign is closed or the mobile was already
// referred in this campaign; Invalid naming the field for bad input
// (name, mobile, city, model_id) or the referrer's own mobile.
func (s *Service) SubmitReferral(ctx context.Context, code string, in FriendInput) (int64, error) {
	now := s.now()
	var leadID int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := referralByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if !r.Open {
			return apperr.New(apperr.Conflict, "活动已结束，感谢关注")
		}
		var refMobile string
		if err := tx.QueryRowContext(ctx, `SELECT mobile FROM customers WHERE id = $1`, r.referrerID).Scan(&refMobile); err != nil {
			return err
		}
		if strings.TrimSpace(in.Mobile) == refMobile {
			return apperr.Field("mobile", "不能推荐自己，请填写朋友的手机号")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_referrals f JOIN customers cu ON cu.id = f.customer_id
			WHERE f.campaign_id = $1 AND cu.mobile = $2`, r.CampaignID, strings.TrimSpace(in.Mobile)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "该手机号已通过推荐登记过，顾问会尽快联系您")
		}
		leadID, err = s.referTx(ctx, tx, r, sales.LeadInput{Name: in.Name, Mobile: in.Mobile, City: in.City, ModelID: in.ModelID}, in.Note, now)
		return err
	})
	return leadID, err
}

// referTx links a friend to referral r in tx: a lead with source 转介绍
// (referral) of the campaign, created through the sales service as the
// system (lead names the friend: by CustomerID, or name and mobile; the
// lead goes to the campaign's store, else the referrer's), a referral row
// linking the lead to the referrer, who is notified, and the campaign's
// cached effect dropped. It returns the lead's id.
func (s *Service) referTx(ctx context.Context, tx *sql.Tx, r *Referral, lead sales.LeadInput, message string, now time.Time) (int64, error) {
	note := "经车主推荐（推荐码 " + r.Code + "，活动：" + r.CampaignName + "）"
	if t := strings.TrimSpace(message); t != "" {
		note += "。留言：" + t
	}
	lead.Source, lead.StoreID, lead.Note, lead.CampaignID = "referral", r.storeID, note, r.CampaignID
	leadID, err := s.sales.CreateLeadTx(ctx, tx, identity.System(), lead)
	if err != nil {
		return 0, err
	}
	var cust int64
	if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM leads WHERE id = $1`, leadID).Scan(&cust); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_referrals (campaign_id, code_id, referrer_id, customer_id, lead_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, r.CampaignID, r.codeID, r.referrerID, cust, leadID, now); err != nil {
		return 0, err
	}
	if _, err := notify.NotifyCustomer(ctx, tx, r.referrerID, notify.Notification{Kind: KindReward, Title: "您推荐的朋友已登记",
		Body: "感谢推荐！朋友购车后您将获得推荐奖励。", Link: ownerLink(r.CampaignID), CreatedAt: now}); err != nil {
		return 0, err
	}
	if err := dropEffect(ctx, tx, r.CampaignID); err != nil {
		return 0, err
	}
	return leadID, audit.Record(ctx, tx, now, audit.Entry{Action: "campaign_referral", Entity: "leads", EntityID: leadID,
		Detail: map[string]any{"campaign_id": r.CampaignID, "referrer_id": r.referrerID}})
}

// RegisterFriend opens an owner account for a friend who came through
// referral code, through the account service (account.Service.Register:
// same rules, throttle and errors), and in the registration's transaction
// makes the new account's customer a lead with source 转介绍 linked to the
// campaign and the referrer (referTx), so that the referrer is rewarded
// when the friend buys (OrderPlacedTx). The code is checked first and
// again in the transaction.
//
// Anyone may call it (the friend has no account yet). NotFound for an
// unknown code; Conflict when the campaign is closed; otherwise as Register
// (the referrer's own number, like any known number, is ErrMobileUnavailable).
func (s *Service) RegisterFriend(ctx context.Context, code string, in account.RegisterInput) (*identity.User, error) {
	r, err := referralByCode(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	if !r.Open {
		return nil, apperr.New(apperr.Conflict, "活动已结束，推荐链接已失效；您仍可直接注册")
	}
	in.Then = func(ctx context.Context, tx *sql.Tx, _, customerID int64) error {
		r, err := referralByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if !r.Open {
			return apperr.New(apperr.Conflict, "活动已结束，推荐链接已失效；您仍可直接注册")
		}
		_, err = s.referTx(ctx, tx, r, sales.LeadInput{CustomerID: customerID}, "好友通过推荐链接注册了车主账号", s.now())
		return err
	}
	return s.acc.Register(ctx, in)
}

// RewardReferrals rewards every referrer whose referred friend has placed
// a vehicle order (not cancelled) since the referral and was not rewarded
// yet: the catch-up of OrderPlacedTx for orders that came in without it
// (imports, generated data, an order placed before the hook existed). Each
// referral is rewarded once (see rewardTx). It returns how many were
// rewarded. The system (the scheduled job) and admins may call it.
func (s *Service) RewardReferrals(ctx context.Context, actor *identity.User) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleSystem, identity.RoleAdmin) {
		return 0, apperr.New(apperr.Forbidden, "只有系统可以发放推荐奖励")
	}
	var list []dueReward
	err := s.each(ctx, `SELECT f.id, f.campaign_id, f.referrer_id,
			(SELECT MIN(o.id) FROM vehicle_orders o WHERE o.customer_id = f.customer_id AND o.status <> 'cancelled' AND o.ordered_at >= f.created_at)
		FROM campaign_referrals f WHERE f.rewarded_at IS NULL AND EXISTS (SELECT 1 FROM vehicle_orders o WHERE o.customer_id = f.customer_id
			AND o.status <> 'cancelled' AND o.ordered_at >= f.created_at) ORDER BY f.id LIMIT 1000`, nil, func(r *sql.Rows) error {
		var d dueReward
		if err := r.Scan(&d.id, &d.campaign, &d.referrer, &d.order); err != nil {
			return err
		}
		list = append(list, d)
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		now := s.now()
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			ok, err := s.rewardTx(ctx, tx, identity.ID(actor), d, now)
			if ok {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// OrderPlacedTx is the sales area's order hook (registered by internal/app
// with sales.Service.OnOrder), run in the transaction that creates the
// order: every open referral of the buyer made before the order is
// rewarded now (rewardTx: once), and the cached effect figures of the
// campaigns that touched the buyer are dropped, so that the campaign page
// shows the order.
func (s *Service) OrderPlacedTx(ctx context.Context, tx *sql.Tx, o sales.OrderPlaced) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, campaign_id, referrer_id FROM campaign_referrals
		WHERE customer_id = $1 AND rewarded_at IS NULL AND created_at <= $2 ORDER BY id`, o.CustomerID, o.OrderedAt)
	if err != nil {
		return err
	}
	var list []dueReward
	for rows.Next() {
		d := dueReward{order: o.OrderID}
		if err := rows.Scan(&d.id, &d.campaign, &d.referrer); err != nil {
			rows.Close()
			return err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range list {
		if _, err := s.rewardTx(ctx, tx, 0, d, o.OrderedAt); err != nil {
			return err
		}
	}
	return dropCustomerEffects(ctx, tx, o.CustomerID)
}

// dueReward is a referral whose friend bought: the referral, its campaign,
// the referrer and the order.
type dueReward struct{ id, campaign, referrer, order int64 }

// rewardTx rewards referral d in tx: a conditional update records the order
// and the time (rewarded_at IS NULL: once, however many workers and order
// hooks try at the same time); then the referrer gets the campaign's
// referral points in the ledger (unique per referral), a coupon when the
// campaign's benefit is one, and a notification naming the promised
// reward. It reports whether this call rewarded.
func (s *Service) rewardTx(ctx context.Context, tx *sql.Tx, by int64, d dueReward, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE campaign_referrals SET order_id = $1, rewarded_at = $2 WHERE id = $3 AND rewarded_at IS NULL`, d.order, now, d.id)
	if err != nil {
		return false, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return false, nil
	}
	c, err := get(ctx, tx, d.campaign)
	if err != nil {
		return false, err
	}
	body := "您推荐的朋友已购车，感谢推荐！"
	if c.ReferralReward != "" {
		body += "奖励：" + c.ReferralReward + "。"
	}
	if got, err := grantPoints(ctx, tx, c, d.referrer, int64(c.ReferralPoints), "referral", d.id, c.Name, by, now); err != nil {
		return false, err
	} else if got {
		body += "已赠送 " + strconv.Itoa(c.ReferralPoints) + " 积分。"
	}
	if k, err := issueCoupon(ctx, tx, c, d.referrer, "referral", now); err != nil {
		return false, err
	} else if k != nil {
		body += "已发放服务抵扣券 " + k.Code + "。"
	}
	if _, err := notify.NotifyCustomer(ctx, tx, d.referrer, notify.Notification{Kind: KindReward, Title: "推荐奖励到账：" + c.Name,
		Body: body, Link: ownerLink(c.ID), CreatedAt: now}); err != nil {
		return false, err
	}
	return true, audit.Record(ctx, tx, now, audit.Entry{UserID: by, Action: "referral_reward", Entity: "campaigns", EntityID: c.ID,
		Detail: map[string]any{"referral_id": d.id, "order_id": d.order, "referrer_id": d.referrer}})
}
