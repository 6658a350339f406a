package campaign

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// CouponStatuses are the states of a coupon.
var CouponStatuses = []Code{{"issued", "未使用"}, {"redeemed", "已使用"}, {"void", "已作废"}}

// Coupon is a service coupon a campaign issued to a customer.
type Coupon struct {
	ID           int64     `json:"id"`
	CampaignID   int64     `json:"campaign_id"`
	CampaignName string    `json:"campaign_name"`
	CustomerID   int64     `json:"customer_id"`
	Code         string    `json:"code"`
	ValueFen     int64     `json:"value_fen"`
	Reason       string    `json:"reason"` // benefit, referral
	Status       string    `json:"status"`
	IssuedAt     time.Time `json:"issued_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	RedeemedAt   time.Time `json:"redeemed_at"`
	WorkOrderID  int64     `json:"work_order_id"`
}

// StatusLabel is the coupon status's Chinese name ("已过期" for an unused
// coupon past its expiry).
func (c *Coupon) StatusLabel() string {
	if c.Status == "issued" && time.Now().After(c.ExpiresAt) {
		return "已过期"
	}
	return label(CouponStatuses, c.Status)
}

// ReasonLabel says why the coupon was issued.
func (c *Coupon) ReasonLabel() string {
	if c.Reason == "referral" {
		return "推荐奖励"
	}
	return "活动权益"
}

const couponColumns = `k.id, k.campaign_id, c.name, k.customer_id, k.code, k.value_fen, k.reason, k.status, k.issued_at, k.expires_at,
	k.redeemed_at, COALESCE(k.work_order_id, 0)`

func scanCoupon(row interface{ Scan(...any) error }) (*Coupon, error) {
	var k Coupon
	var redeemed sql.NullTime
	err := row.Scan(&k.ID, &k.CampaignID, &k.CampaignName, &k.CustomerID, &k.Code, &k.ValueFen, &k.Reason, &k.Status, &k.IssuedAt, &k.ExpiresAt,
		&redeemed, &k.WorkOrderID)
	if err != nil {
		return nil, err
	}
	k.IssuedAt, k.ExpiresAt, k.RedeemedAt = k.IssuedAt.UTC(), k.ExpiresAt.UTC(), timeOf(redeemed)
	return &k, nil
}

func coupons(ctx context.Context, q db.Querier, where string, args ...any) ([]*Coupon, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+couponColumns+` FROM campaign_coupons k JOIN campaigns c ON c.id = k.campaign_id WHERE `+where+
		` ORDER BY k.issued_at DESC, k.id DESC LIMIT 100`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Coupon
	for rows.Next() {
		k, err := scanCoupon(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func customerCoupons(ctx context.Context, q db.Querier, campaignID, customerID int64) ([]*Coupon, error) {
	return coupons(ctx, q, `k.campaign_id = $1 AND k.customer_id = $2`, campaignID, customerID)
}

// couponAlphabet has no look-alike characters (0/O, 1/I/L).
const couponAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// issueCoupon gives customer a coupon of campaign c worth its coupon value
// (nil when the campaign's coupon is worth nothing).
func issueCoupon(ctx context.Context, q db.Querier, c *Campaign, customerID int64, reason string, now time.Time) (*Coupon, error) {
	if c.CouponValueFen <= 0 {
		return nil, nil
	}
	for {
		code := "Q" + randomCode(couponAlphabet, 9)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_coupons WHERE code = $1`, code).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			continue
		}
		expires := now.AddDate(0, 0, c.CouponValidDays)
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO campaign_coupons (campaign_id, customer_id, code, value_fen, reason, status, issued_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, 'issued', $6, $7) RETURNING id`, c.ID, customerID, code, c.CouponValueFen, reason, now, expires).Scan(&id)
		if err != nil {
			return nil, err
		}
		return &Coupon{ID: id, CampaignID: c.ID, CampaignName: c.Name, CustomerID: customerID, Code: code, ValueFen: c.CouponValueFen,
			Reason: reason, Status: "issued", IssuedAt: now, ExpiresAt: expires}, nil
	}
}

// benefitCoupon gives customer campaign c's benefit coupon, once per
// campaign and customer: signing up again after a cancellation, or a
// check-in after an online sign-up, finds the coupon already issued and
// returns nil.
func benefitCoupon(ctx context.Context, q db.Querier, c *Campaign, customerID int64, now time.Time) (*Coupon, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_coupons WHERE campaign_id = $1 AND customer_id = $2 AND reason = 'benefit'`,
		c.ID, customerID).Scan(&n); err != nil || n > 0 {
		return nil, err
	}
	return issueCoupon(ctx, q, c, customerID, "benefit", now)
}

// OwnerCoupons returns the owner's coupons of every campaign, newest first
// (at most 100). Owners only.
func (s *Service) OwnerCoupons(ctx context.Context, actor *identity.User) ([]*Coupon, error) {
	if err := owner(actor); err != nil {
		return nil, err
	}
	return coupons(ctx, s.db, `k.customer_id = $1`, actor.CustomerID)
}

// WorkOrderCoupon returns the coupon redeemed on work order id (nil: none).
// Service staff who see the work order and admins (as workorder.Get).
func (s *Service) WorkOrderCoupon(ctx context.Context, actor *identity.User, workOrderID int64) (*Coupon, error) {
	if _, err := s.wo.Get(ctx, actor, workOrderID); err != nil {
		return nil, err
	}
	list, err := coupons(ctx, s.db, `k.work_order_id = $1`, workOrderID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// RedeemCoupon redeems coupon code on work order id: the coupon becomes
// redeemed (a conditional update, so a coupon is used once however many
// try at the same time) and the work order's discount is set to its value
// (workorder.ApplyDiscountTx, in the same transaction). The owner is
// notified.
//
// Service staff of the work order's center and admins (as the work order's
// other changes: Forbidden, NotFound for another center's). Invalid on code
// for an unknown code, a coupon of another customer or one that expired;
// Conflict for a coupon already used or void, a work order that already
// has a coupon or is no longer editable.
func (s *Service) RedeemCoupon(ctx context.Context, actor *identity.User, workOrderID int64, code string) (*Coupon, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	code = normalizeCode(code)
	if code == "" {
		return nil, ErrCouponUnknown
	}
	now := s.now()
	var out *Coupon
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		wo, err := s.wo.EditableTx(ctx, tx, actor, workOrderID)
		if err != nil {
			return err
		}
		list, err := coupons(ctx, tx, `k.code = $1`, code)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrCouponUnknown
		}
		k := list[0]
		switch {
		case k.CustomerID != wo.CustomerID:
			return ErrCouponOther
		case k.Status == "redeemed":
			return ErrCouponUsed
		case k.Status != "issued":
			return ErrCouponVoid
		case !now.Before(k.ExpiresAt):
			return ErrCouponExpired
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_coupons WHERE work_order_id = $1`, workOrderID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrCouponTaken
		}
		res, err := tx.ExecContext(ctx, `UPDATE campaign_coupons SET status = 'redeemed', redeemed_at = $1, work_order_id = $2, redeemed_by = $3
			WHERE id = $4 AND status = 'issued'`, now, workOrderID, nullID(identity.ID(actor)), k.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrCouponUsed
		}
		if err := s.wo.ApplyDiscountTx(ctx, tx, actor, workOrderID, k.ValueFen, now); err != nil {
			return err
		}
		if _, err := notify.NotifyCustomer(ctx, tx, k.CustomerID, notify.Notification{Kind: KindNotice, Title: "抵扣券已使用",
			Body: "您的抵扣券 " + k.Code + "（" + k.CampaignName + "）已在工单 " + wo.Code + " 中使用。", Link: "/owner/campaigns/coupons", CreatedAt: now}); err != nil {
			return err
		}
		k.Status, k.RedeemedAt, k.WorkOrderID = "redeemed", now, workOrderID
		out = k
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "redeem_coupon", Entity: "work_orders", EntityID: workOrderID,
			Detail: map[string]any{"coupon": k.Code, "value_fen": k.ValueFen, "campaign_id": k.CampaignID}})
	})
	return out, err
}

// ReturnCouponTx gives back the coupon redeemed on work order w when the
// work order is cancelled: the coupon is unused again (status issued, no
// work order; its expiry is unchanged), the owner is notified and the
// return is audited. It is the work order's cancel hook (registered by
// internal/app with workorder.Service.OnCancel) and runs in the
// cancelling transaction; the coupon is matched by a conditional update
// (status redeemed on this work order), so it comes back exactly once.
// A work order without a coupon changes nothing.
func (s *Service) ReturnCouponTx(ctx context.Context, tx *sql.Tx, actor *identity.User, w *workorder.WorkOrder, now time.Time) error {
	list, err := coupons(ctx, tx, `k.work_order_id = $1 AND k.status = 'redeemed'`, w.ID)
	if err != nil || len(list) == 0 {
		return err
	}
	k := list[0]
	res, err := tx.ExecContext(ctx, `UPDATE campaign_coupons SET status = 'issued', redeemed_at = NULL, work_order_id = NULL, redeemed_by = NULL
		WHERE id = $1 AND status = 'redeemed' AND work_order_id = $2`, k.ID, w.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	body := "工单 " + w.Code + " 已取消，抵扣券 " + k.Code + "（" + k.CampaignName + "）已退回，可再次使用"
	if !now.Before(k.ExpiresAt) {
		body = "工单 " + w.Code + " 已取消，抵扣券 " + k.Code + "（" + k.CampaignName + "）已退回，但已过有效期"
	}
	if _, err := notify.NotifyCustomer(ctx, tx, k.CustomerID, notify.Notification{Kind: KindNotice, Title: "抵扣券已退回",
		Body: body + "。", Link: "/owner/campaigns/coupons", CreatedAt: now}); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "return_coupon", Entity: "work_orders", EntityID: w.ID,
		Detail: map[string]any{"coupon": k.Code, "value_fen": k.ValueFen, "campaign_id": k.CampaignID}})
}

// The answers of RedeemCoupon to a coupon that cannot be used; fixed
// texts, so that pages can name them by CouponProblem's key.
var (
	ErrCouponUnknown = apperr.Field("code", "没有这张抵扣券，请核对券号")
	ErrCouponOther   = apperr.Field("code", "这张抵扣券不属于本工单的车主")
	ErrCouponExpired = apperr.Field("code", "这张抵扣券已过期")
	ErrCouponUsed    = apperr.New(apperr.Conflict, "这张抵扣券已经使用过")
	ErrCouponVoid    = apperr.New(apperr.Conflict, "这张抵扣券已作废")
	ErrCouponTaken   = apperr.New(apperr.Conflict, "本工单已使用过一张抵扣券")
	couponProblems   = map[string]*apperr.Error{"unknown": ErrCouponUnknown, "other": ErrCouponOther, "expired": ErrCouponExpired,
		"used": ErrCouponUsed, "void": ErrCouponVoid, "taken": ErrCouponTaken}
)

// CouponProblem returns the key of a coupon problem RedeemCoupon returned
// ("" for any other error or none).
func CouponProblem(err error) string {
	for k, e := range couponProblems {
		if errors.Is(err, e) {
			return k
		}
	}
	return ""
}

// CouponMessage returns the message of a CouponProblem key ("" if unknown).
func CouponMessage(key string) string {
	if e, ok := couponProblems[key]; ok {
		return e.Message
	}
	return ""
}

// normalizeCode upper-cases a typed code and drops spaces and dashes.
func normalizeCode(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'a' && b <= 'z':
			out = append(out, b-'a'+'A')
		case b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
			out = append(out, b)
		case b == ' ' || b == '-':
		default:
			return ""
		}
	}
	if len(out) > 20 {
		return ""
	}
	return string(out)
}
